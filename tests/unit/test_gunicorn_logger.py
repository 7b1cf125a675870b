"""gunicorn.conf.py's logger writes no access line of gunicorn's (the app writes its own,
web/core/request_log.py) and does not build one either (issue 17: gunicorn built the
line's fields for every request once a logging configuration is given)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


def _conf(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_logger_builds_no_access_line(monkeypatch, tmp_path):
    conf = _conf(monkeypatch, tmp_path)
    config = Config()
    config.set("logconfig_dict", conf.logconfig_dict)
    config.set("logger_class", conf.logger_class)
    logger = config.logger_class(config)
    built = []
    monkeypatch.setattr(logger, "atoms", lambda *args: built.append(args) or {})

    logger.access(object(), object(), {}, 0.001)

    assert built == []
    assert config.logger_class is conf.AppLogger
