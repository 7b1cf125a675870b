"""`make run`: the embedded default — Redis and the web app in one command."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from werkzeug.serving import run_simple

from web import create_app
from web.embedded_redis import EmbeddedRedis

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def main() -> int:
    """Start what the environment does not provide, then serve the app until Ctrl-C."""
    port = int(os.environ.get("PORT", "5000"))
    host = os.environ.get("HOST", "127.0.0.1")
    embedded = None
    if not os.environ.get("REDIS_URL"):
        embedded = EmbeddedRedis(INSTANCE_DIR / "redis")
        os.environ["REDIS_URL"] = embedded.start()
    # Ctrl-C and SIGTERM both unwind through `finally`, which stops what was started
    # (SIGINT is reset too: a shell's background job would otherwise inherit "ignore").
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        app = create_app()
        print(f"espace-pro est servi sur http://{host}:{port}/  (Ctrl-C pour arrêter)", flush=True)
        run_simple(host, port, app, use_reloader=False, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        if embedded:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
