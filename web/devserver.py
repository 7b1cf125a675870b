"""`make run`: the embedded default — Redis, a mail sink, the worker and the web app at once."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, run_simple

from mailer.devsink import MailSink
from web import create_app
from web.core.logs import configure_logging
from web.embedded_redis import EmbeddedRedis, die_with_parent, publish_url
from web.settings import load_or_exit, read_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKER_STOP_SECONDS = 10
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def is_loopback(host: str) -> bool:
    """Whether binding `host` serves this machine only (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # "" (every interface) or a host name: reachable from elsewhere
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def open_dev_pages(environ: Mapping[str, str]) -> list[str]:
    """The pages this environment would serve to anyone: the test mailbox, /metrics."""
    if environ.get("APP_ENV", "development") == "production":
        return []  # production mounts neither (and refuses DEV_MAILBOX_DIR)
    pages = []
    if environ.get("DEV_MAILBOX_DIR") or not environ.get("MAIL_SERVER"):
        pages.append("« Courriels envoyés » (/courriels/, tous les codes d'activation)")
    if not environ.get("METRICS_TOKEN"):
        pages.append("/metrics sans METRICS_TOKEN")
    return pages


def exposure_refusal(host: str, environ: Mapping[str, str]) -> str | None:
    """Why `make run` must not start on this host with this environment; None if it may."""
    pages = open_dev_pages(environ)
    if is_loopback(host) or not pages:
        return None
    shown = host or "(vide)"
    return (
        f"Refus de démarrer : HOST={shown} n'est pas une adresse de bouclage, et le réseau "
        f"verrait {' ; '.join(pages)}. Servez sur 127.0.0.1 (par défaut), ou fixez MAIL_SERVER "
        "(un vrai serveur SMTP, sans DEV_MAILBOX_DIR) et METRICS_TOKEN."
    )


def instance_dir() -> Path:
    """Where the embedded services keep their files: INSTANCE_PATH, else ./instance."""
    return Path(os.environ.get("INSTANCE_PATH") or PROJECT_ROOT / "instance")


def start_redis(stack: contextlib.ExitStack, instance: Path) -> None:
    """Start the embedded redis-server unless REDIS_URL names one; export and publish its URL."""
    if os.environ.get("REDIS_URL"):
        return
    server = EmbeddedRedis(instance / "redis")
    stack.callback(server.stop)
    os.environ["REDIS_URL"] = server.start()
    # `flask --app web ops …` in another terminal finds this server through the file.
    stack.callback(publish_url(instance, os.environ["REDIS_URL"]).unlink, missing_ok=True)


def start_mail_sink(stack: contextlib.ExitStack, instance: Path) -> bool:
    """Start the local SMTP sink unless MAIL_SERVER names a server; export where it listens."""
    if os.environ.get("MAIL_SERVER"):
        return False
    mailbox_dir = instance / "mailbox"
    sink = MailSink(mailbox_dir, port=read_settings().MAIL_PORT)
    stack.callback(sink.stop)
    sink.start()
    os.environ.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port), DEV_MAILBOX_DIR=str(mailbox_dir)
    )
    print(f"Boîte de test SMTP sur 127.0.0.1:{sink.port}, courriels dans {mailbox_dir}", flush=True)
    return True


def start_worker(stack: contextlib.ExitStack) -> subprocess.Popen[bytes]:
    """Start worker.py with this environment, tied to this process's life."""
    worker = subprocess.Popen(  # noqa: S603 - this interpreter and a fixed script
        [sys.executable, "worker.py"],
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        preexec_fn=die_with_parent,
        # Its own process group: Ctrl-C reaches this process only, which then stops the
        # worker before the Redis it still needs; the group also holds the worker's children.
        process_group=0,
    )
    stack.callback(stop_worker, worker)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the worker finishes its job and stops its children), kill after a delay."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        # Killed, it could not stop its scheduler and cron children: kill its whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def display_url(host: str, port: int, path: str = "/") -> str:
    """The URL to print: a wildcard address is reached through localhost."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - compared only
    return f"http://{shown}:{port}{path}"


class QuietRequestHandler(WSGIRequestHandler):
    """No access line of Werkzeug's: the app writes its own (espace_pro.access: request id,
    path without the query string that carries tokens)."""

    def log_request(self, code="-", size="-") -> None:
        return None

    def log(self, type: str, message: str, *args) -> None:
        # Werkzeug's errors, without the second timestamp it would write in its own format.
        text = message % args if args else message
        logging.getLogger("werkzeug").log(
            logging.getLevelNamesMapping().get(type.upper(), logging.INFO),
            "%s %s",
            self.address_string(),
            text,
        )


def main() -> int:
    """Start what the environment does not provide, then serve the app until Ctrl-C."""
    # Before anything starts: a bad variable is one line and exit 2, not a half-started stack.
    settings = load_or_exit()
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    port = settings.PORT
    host = os.environ.get("HOST", "127.0.0.1")
    refusal = exposure_refusal(host, os.environ)
    if refusal:
        # Before anything starts: the mailbox shows every code, the metrics every count.
        print(refusal, file=sys.stderr)
        return 2
    # Ctrl-C, SIGTERM and SIGHUP all unwind through the ExitStack, which stops what was
    # started in reverse order (SIGINT is reset too: a shell's background job would
    # otherwise inherit "ignore").
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    stack = contextlib.ExitStack()
    try:
        instance = instance_dir()
        start_redis(stack, instance)
        try:
            with_mailbox = start_mail_sink(stack, instance)
        except OSError as error:
            print(
                f"La boîte de test SMTP n'a pas pu démarrer ({error}). Choisissez un autre "
                "port avec MAIL_PORT, ou un serveur existant avec MAIL_SERVER.",
                file=sys.stderr,
            )
            return 1
        # Built before the worker starts: the app applies the migrations the worker needs.
        app = create_app()
        start_worker(stack)
        print(f"espace-pro est servi sur {display_url(host, port)}  (Ctrl-C pour arrêter)")
        if with_mailbox:
            print(f"Courriels envoyés : {display_url(host, port, '/courriels/')}")
        sys.stdout.flush()
        run_simple(
            host,
            port,
            app,
            use_reloader=False,
            threaded=True,
            request_handler=QuietRequestHandler,
        )
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the stopping short and leave a child behind.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
