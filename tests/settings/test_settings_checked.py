"""Every environment variable is typed and checked: a bad value is one line naming the
variable, its problem and an example; defaults are those of README's table."""

from __future__ import annotations

import json

import pytest

from tests.apps import other_app
from tests.support import OUTSIDE_SETTINGS
from web import create_app
from web.ops.commands import effective_settings
from web.settings import MASK, Settings, SettingsError, read_settings, shown_value


def problems(**environ: str) -> list[str]:
    with pytest.raises(SettingsError) as refused:
        read_settings(environ)
    return refused.value.problems


@pytest.mark.parametrize(
    ("name", "value", "problem", "example"),
    [
        ("MAIL_PORT", "abc", "is not a whole number", "MAIL_PORT=587"),
        ("MAIL_PORT", "70000", "is too large (at most 65535)", "MAIL_PORT=587"),
        ("PORT", "0", "is too small (at least 1)", "PORT=5000"),
        ("RATELIMIT_LOGIN_IP", "often", "is not a rate limit", "RATELIMIT_LOGIN_IP='10 per hour'"),
        ("RATELIMIT_ACTIVATION", "10 per week", "is not a rate limit", "'10 per hour'"),
        ("DATABASE_URL", "notaurl", "is not a database URL", "DATABASE_URL=postgresql"),
        ("REDIS_URL", "http://redis:6379", "is not a Redis URL", "REDIS_URL=redis://"),
        ("MAIL_USE_TLS", "maybe", "is not a yes/no value", "MAIL_USE_TLS=1"),
        ("COOKIE_SECURE", "sometimes", "is not a yes/no value", "COOKIE_SECURE=0"),
        ("APP_ENV", "prod", "is not one of 'development' or 'production'", "APP_ENV=production"),
        ("LOG_LEVEL", "loud", "is not a log level", "LOG_LEVEL=WARNING"),
        ("LOG_FORMAT", "xml", "is not one of 'text' or 'json'", "LOG_FORMAT=json"),
        ("PUBLIC_URL", "pro.example.com", "is not an http:// or https:// address", "https://"),
        ("SESSION_IDLE_SECONDS", "-5", "is too small (at least 1)", "SESSION_IDLE_SECONDS=1800"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_its_problem_and_an_example(
    name, value, problem, example
):
    (line,) = problems(**{name: value})

    assert line.startswith(f"espace-pro: {name}={value!r} {problem}"), line
    assert "(example: " in line and example in line.split("(example: ", 1)[1], line
    assert "\n" not in line


def test_every_bad_variable_is_named_at_once():
    lines = problems(MAIL_PORT="abc", RATELIMIT_LOGIN_IP="often", DATABASE_URL="notaurl")

    assert sorted(line.split("=", 1)[0] for line in lines) == [
        "espace-pro: DATABASE_URL",
        "espace-pro: MAIL_PORT",
        "espace-pro: RATELIMIT_LOGIN_IP",
    ]


def test_a_refused_url_does_not_print_its_password():
    (line,) = problems(DATABASE_URL="postgresql://espace:hunter2-pw@db:notaport/espace")

    assert "hunter2-pw" not in line
    assert f"postgresql://espace:{MASK}@db:notaport/espace" in line


def test_the_defaults_are_those_of_the_readme_table(monkeypatch):
    for name in OUTSIDE_SETTINGS:  # CI's second pass points these at its services
        monkeypatch.delenv(name, raising=False)
    defaults = read_settings({})

    assert defaults.MAIL_PORT == 8025 and defaults.PORT == 5000
    assert defaults.RATELIMIT_LOGIN_IP == "60 per 15 minutes"
    assert defaults.APP_ENV == "development" and defaults.AUTO_MIGRATE is True
    assert defaults.COOKIE_SECURE is None and defaults.DATABASE_URL is None
    assert (defaults.LOG_LEVEL, defaults.LOG_FORMAT) == ("INFO", "text")
    assert defaults.ACTIVATION_CODE_TTL_SECONDS == 48 * 3600


@pytest.mark.parametrize(
    ("word", "meaning"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_yes_no_words_are_read_as_the_app_always_read_them(word, meaning):
    assert read_settings({"MAIL_USE_TLS": word}).MAIL_USE_TLS is meaning


def test_an_empty_value_counts_as_unset():
    assert read_settings({"MAIL_PORT": "", "LOG_LEVEL": ""}).MAIL_PORT == 8025


def test_the_process_environment_is_read_too(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "abc")

    with pytest.raises(SettingsError, match="MAIL_PORT='abc' is not a whole number"):
        read_settings()


def test_an_app_built_with_overrides_over_a_bad_environment_raises_not_exits(
    app_config, monkeypatch
):
    # Tests and the worker build apps with overrides: they get an exception to handle.
    monkeypatch.setenv("RATELIMIT_LOGIN_IP", "often")

    with pytest.raises(RuntimeError, match="RATELIMIT_LOGIN_IP='often'"):
        create_app(app_config)


def test_an_app_from_the_environment_alone_exits_2(monkeypatch, capsys):
    # gunicorn's `web:create_app()` and `flask --app web`: one line per variable, exit 2.
    monkeypatch.setenv("MAIL_PORT", "abc")

    with pytest.raises(SystemExit) as stopped:
        create_app()

    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "espace-pro: MAIL_PORT='abc' is not a whole number (example: MAIL_PORT=587)"
    ]


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("SECRET_KEY", "a-very-secret-key", MASK),
        ("METRICS_TOKEN", "tok", MASK),
        ("MAIL_PASSWORD", "pw", MASK),
        (
            "DATABASE_URL",
            "postgresql+psycopg://espace:pw@db/espace",
            f"postgresql+psycopg://espace:{MASK}@db/espace",
        ),
        ("REDIS_URL", "redis://:pw@redis:6379/0", f"redis://:{MASK}@redis:6379/0"),
        ("REDIS_URL", "redis://redis:6379/0", "redis://redis:6379/0"),
        ("MAIL_PORT", 587, "587"),
        ("MAIL_USE_TLS", True, "1"),
        ("CONTACT_EMAIL", None, ""),
    ],
)
def test_values_are_printed_with_secrets_masked(name, value, shown):
    assert shown_value(name, value) == shown


def test_ops_config_prints_every_setting_with_secrets_masked(app_config):
    config = app_config | {
        "SECRET_KEY": "ops-config-secret-0123456789-abcdef",
        "METRICS_TOKEN": "metrics-token-in-clear",
        "MAIL_PASSWORD": "smtp-password-in-clear",
    }
    with other_app(config) as app, app.app_context():
        text = app.test_cli_runner().invoke(args=["ops", "config"])
        as_json = app.test_cli_runner().invoke(args=["ops", "config", "--json"])
        document = effective_settings()

    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == list(Settings.model_fields)
    assert "SECRET_KEY=****" in lines and "METRICS_TOKEN=****" in lines
    assert "MAIL_PASSWORD=****" in lines
    assert f"MAIL_PORT={app_config['MAIL_PORT']}" in lines
    assert f"DATABASE_URL={app_config['SQLALCHEMY_DATABASE_URI']}" in lines
    for secret in ("ops-config-secret", "metrics-token-in-clear", "smtp-password-in-clear"):
        assert secret not in text.output and secret not in as_json.output
    assert json.loads(as_json.output) == document
    assert document["MAIL_PORT"] == app_config["MAIL_PORT"] and document["SECRET_KEY"] == MASK
