# The espace-pro image: web (gunicorn), worker and migrations share it.
FROM python:3.11-slim

# WeasyPrint (registration form PDF) needs Pango, HarfBuzz and a font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY web ./web
COPY mailer ./mailer
COPY worker.py gunicorn.conf.py ./
RUN pip install --no-cache-dir '.[dashboard]' \
 && useradd --create-home --uid 10001 espace \
 && mkdir -p /app/instance && chown espace /app/instance
# The English catalogue, compiled from its .po (the .mo is built, never committed).
RUN pybabel -q compile -d web/translations
USER espace
ENV PYTHONUNBUFFERED=1 FLASK_APP=web
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--no-control-socket", "--workers", "2", "--bind", "0.0.0.0:8000", "web:create_app()"]
