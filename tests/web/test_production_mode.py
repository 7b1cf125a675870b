"""Production mode refuses to start with a default secret; development makes its own."""

from __future__ import annotations

import stat

import pytest

from tests.apps import other_app as built
from web import create_app


@pytest.fixture
def instance_path(tmp_path, monkeypatch):
    """A private instance folder, where the development secret key would be written."""
    path = tmp_path / "instance"
    monkeypatch.setenv("INSTANCE_PATH", str(path))
    return path


@pytest.mark.parametrize("secret", [None, ""], ids=["none", "empty"])
def test_production_refuses_to_start_without_a_secret_key(app_config, instance_path, secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(app_config | {"APP_ENV": "production", "SECRET_KEY": secret})

    assert not (instance_path / "secret_key").exists()


def test_production_from_the_environment_refuses_a_missing_secret_key(
    app_config, instance_path, monkeypatch
):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {key: value for key, value in app_config.items() if key != "SECRET_KEY"}

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_its_own_secret_key(app_config, instance_path):
    # Production also wants a strong key and no test mailbox (tests/security/).
    secret = "a-long-operator-secret-of-forty-eight-characters"
    config = app_config | {"APP_ENV": "production", "SECRET_KEY": secret, "DEV_MAILBOX_DIR": None}

    with built(config) as app:
        assert app.secret_key == secret
    assert not (instance_path / "secret_key").exists()


def test_development_without_a_secret_generates_and_keeps_one_private_key(
    app_config, instance_path
):
    config = app_config | {"APP_ENV": "development", "SECRET_KEY": None}

    with built(config) as first, built(config) as second:
        first_key, second_key = first.secret_key, second.secret_key

    key_file = instance_path / "secret_key"
    assert first_key == second_key == key_file.read_text().strip()
    assert len(first_key) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
