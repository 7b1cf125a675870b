# The espace-pro image: web (gunicorn), worker, migrations and rq-dashboard share it.
# Build it with `make image`: it passes VERSION, read from pyproject.toml (the one place).
#
# Two stages: `wheels` has a compiler and builds every wheel, hash-checked against
# requirements.lock; the runtime installs those wheels and nothing else (no compiler, no index).

FROM python:3.11.14-slim-bookworm AS wheels

# A compiler, for a dependency that would ship no wheel for this platform.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
# DL3008 (pin apt versions): the base image's tag pins the Debian release; exact package
# versions vanish from its mirrors at each security update and would break the build.

WORKDIR /build
# The dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip wheel --no-cache-dir --require-hashes --wheel-dir /wheels/deps -r requirements.lock

# Then the code: the English catalogue compiled (never committed), then the project's wheel.
COPY pyproject.toml README.md LICENSE ./
COPY web ./web
COPY mailer ./mailer
ARG VERSION=""
# The label must say what the code says: a VERSION other than pyproject.toml's stops the build.
RUN python -c "import sys, tomllib; v = tomllib.load(open('pyproject.toml', 'rb'))['project']['version']; sys.exit(None if '${VERSION}' in ('', v) else f'VERSION=${VERSION} but pyproject.toml says {v}')" \
 && pip install --no-cache-dir --no-index --no-deps /wheels/deps/babel-*.whl \
 && pybabel -q compile -d web/translations \
 && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels/app .


FROM python:3.11.14-slim-bookworm

# WeasyPrint (registration form PDF) needs Pango, HarfBuzz and a font.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 espace
# DL3008: as above, the Debian release is pinned by the base image's tag.

# The wheels the first stage checked against the lock's hashes: no index, no resolution.
COPY --from=wheels /wheels/deps /tmp/wheels
RUN pip install --no-cache-dir --no-index --no-deps /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels

COPY --from=wheels /wheels/app /tmp/app
RUN pip install --no-cache-dir --no-index --no-deps /tmp/app/*.whl \
 && rm -rf /tmp/app

WORKDIR /app
COPY worker.py gunicorn.conf.py ./
RUN mkdir -p /app/instance && chown espace /app/instance

ARG VERSION=""
LABEL org.opencontainers.image.title="espace-pro" \
      org.opencontainers.image.description="Self-hostable professional subscriber space" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"

USER 10001
# The code is an installed package now: its instance folder would default to one under
# /usr/local/var, which uid 10001 cannot write; /app/instance is its own.
ENV PYTHONUNBUFFERED=1 FLASK_APP=web INSTANCE_PATH=/app/instance
EXPOSE 8000
# Liveness: /healthz answers 200 (compose's web service checks /readyz instead).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--no-control-socket", "--workers", "2", "--bind", "0.0.0.0:8000", "web:create_app()"]
