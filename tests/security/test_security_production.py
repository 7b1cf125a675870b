"""Production refuses to start with a weak secret, debug on or the test mailbox; names each."""

from __future__ import annotations

import pytest

from tests.apps import other_app as built
from web import create_app

STRONG_SECRET = "Vq3xT9mK2pL7wR4nB8cF1hJ6dS5gZ0yE"  # 32 characters, the minimum
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": STRONG_SECRET, "DEV_MAILBOX_DIR": None}


@pytest.fixture(autouse=True)
def no_debug_from_the_shell(monkeypatch):
    """The runner's FLASK_DEBUG must not decide these tests."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def test_production_starts_with_a_strong_secret_and_nothing_of_development(app_config):
    with built(app_config | PRODUCTION) as app:
        response = app.test_client().get("/")

    assert response.status_code == 200
    assert "Professionnels" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "secret",
    [
        "Vq3xT9mK2pL7wR4nB8cF1hJ6dS5gZ0y",  # 31 characters
        "change-me",
        "a" * 64,  # long, but one character
        "abab" * 16,
    ],
    ids=["31-characters", "placeholder", "one-character", "two-characters"],
)
def test_production_refuses_a_weak_secret_key(app_config, secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY is too weak: use at least 32 random"):
        create_app(app_config | PRODUCTION | {"SECRET_KEY": secret})


def test_production_refuses_debug_from_the_flask_debug_variable(app_config, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")

    with pytest.raises(RuntimeError, match=r"FLASK_DEBUG \(DEBUG\) must be off"):
        create_app(app_config | PRODUCTION)


def test_production_refuses_debug_from_the_configuration(app_config):
    with pytest.raises(RuntimeError, match=r"FLASK_DEBUG \(DEBUG\) must be off"):
        create_app(app_config | PRODUCTION | {"DEBUG": True})


def test_production_refuses_the_dev_mailbox(app_config, tmp_path):
    config = app_config | PRODUCTION | {"DEV_MAILBOX_DIR": str(tmp_path / "mailbox")}

    with pytest.raises(RuntimeError, match="DEV_MAILBOX_DIR must be unset"):
        create_app(config)


def test_production_names_every_unsafe_setting_at_once(app_config, tmp_path):
    config = (
        app_config
        | PRODUCTION
        | {
            "SECRET_KEY": "dev",
            "DEBUG": True,
            "DEV_MAILBOX_DIR": str(tmp_path / "mailbox"),
        }
    )

    with pytest.raises(RuntimeError) as refused:
        create_app(config)

    message = str(refused.value)
    assert message.startswith("Refusing to start in production.")
    assert "SECRET_KEY" in message and "FLASK_DEBUG" in message and "DEV_MAILBOX_DIR" in message


def test_production_from_the_environment_refuses_a_short_secret(app_config, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "only-twenty-chars-ok")
    config = {
        key: value for key, value in app_config.items() if key not in ("SECRET_KEY", "APP_ENV")
    } | {"DEV_MAILBOX_DIR": None}

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_development_tolerates_what_production_refuses(app_config, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    config = app_config | {"APP_ENV": "development", "SECRET_KEY": "dev"}

    with built(config) as app:
        assert app.debug
        assert "devmail" in app.blueprints
