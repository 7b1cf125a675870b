"""REDIS_URL's schemes, read once by web/redis_client.py for every client: the app's, RQ's,
the cron's and the limiter's (its URI and options for the `limits` library)."""

from __future__ import annotations

import pytest
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError  # noqa: A004

from web.redis_client import (
    RedisOptions,
    SentinelURL,
    limiter_storage,
    parse_sentinel_url,
)
from web.settings import MASK, SettingsError, read_settings, shown_value


def test_a_sentinel_url_names_its_sentinels_service_and_database():
    parsed = parse_sentinel_url(
        "redis+sentinel://app:s%40cret@s1.example.com:26380,s2.example.com,[::1]:26381/main/3"
    )
    assert parsed == SentinelURL(
        sentinels=[("s1.example.com", 26380), ("s2.example.com", 26379), ("::1", 26381)],
        service_name="main",
        db=3,
        username="app",
        password="s@cret",
        tls=False,
    )
    assert parse_sentinel_url("rediss+sentinel://h:1/main").tls is True
    assert parse_sentinel_url("redis+sentinel://:pw@h:1/main").password == "pw"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+sentinel://h:1", "names no sentinel service"),
        ("redis+sentinel://h:1/main/x", "not a whole number"),
        ("redis+sentinel://h:port/main", "bad sentinel port"),
        ("redis+sentinel://h:1,:2/main", "without a host"),
        ("redis+sentinel://h:1/a/1/2", "names no sentinel service"),
    ],
)
def test_a_bad_sentinel_url_is_refused_at_start_saying_why(url, problem):
    with pytest.raises(SettingsError) as refused:
        read_settings({"REDIS_URL": url})
    (line,) = refused.value.problems
    assert line.startswith("espace-pro: REDIS_URL=") and problem in line


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "rediss://cache.example.com:6380/1",
        "unix:///run/redis.sock",
        "redis+sentinel://s1:26379,s2:26379,s3:26379/espace/0",
        "rediss+sentinel://s1:26379/espace",
    ],
)
def test_every_scheme_is_accepted(url):
    assert url == read_settings({"REDIS_URL": url}).REDIS_URL


def test_an_unknown_scheme_is_refused():
    with pytest.raises(SettingsError, match=r"redis\+sentinel://"):
        read_settings({"REDIS_URL": "memcached://h:1"})


def test_redis_passwords_are_masked_when_printed():
    settings = read_settings(
        {"REDIS_PASSWORD": "data-pw", "REDIS_SENTINEL_PASSWORD": "sentinel-pw"}
    )
    assert shown_value("REDIS_PASSWORD", settings.REDIS_PASSWORD) == MASK
    assert shown_value("REDIS_SENTINEL_PASSWORD", settings.REDIS_SENTINEL_PASSWORD) == MASK
    assert "pw" not in shown_value("REDIS_URL", "redis+sentinel://u:pw@h:1,h2:2/main")


def test_the_retry_policy_backs_off_exponentially_on_a_failovers_errors():
    retry = RedisOptions(retries=4, backoff_base_ms=50, backoff_cap_ms=800).retry()
    assert retry.get_retries() == 4
    assert set(retry._supported_errors) == {ConnectionError, TimeoutError, ReadOnlyError}
    assert isinstance(retry._backoff, ExponentialBackoff)
    assert [retry._backoff.compute(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.8, 0.8]


def test_the_options_come_from_the_settings():
    settings = read_settings(
        {
            "REDIS_SSL_CA_CERTS": "/ca.pem",
            "REDIS_SSL_CHECK_HOSTNAME": "0",
            "REDIS_RETRIES": "5",
            "REDIS_SENTINEL_PASSWORD": "spw",
        }
    ).model_dump()
    options = RedisOptions.from_config(settings)
    assert options.ssl_ca_certs == "/ca.pem" and options.ssl_check_hostname is False
    assert options.retries == 5 and options.sentinel_password == "spw"
    assert options.backoff_cap_ms == 1000


def test_the_limiter_reaches_a_tls_redis_with_the_same_certificates():
    options = RedisOptions(ssl_ca_certs="/ca.pem", ssl_certfile="/c.pem", ssl_keyfile="/k.pem")
    uri, storage = limiter_storage("rediss://cache.example.com:6380/1", options)
    assert uri == "rediss://cache.example.com:6380/1"
    assert storage["ssl_ca_certs"] == "/ca.pem" and storage["ssl_keyfile"] == "/k.pem"
    assert storage["socket_timeout"] == 3 and storage["retry"].get_retries() == 3


def test_the_limiter_reaches_a_unix_socket_by_its_own_scheme_without_tls_options():
    uri, storage = limiter_storage("unix:///run/redis.sock", RedisOptions())
    assert uri == "redis+unix:///run/redis.sock"
    assert "ssl_ca_certs" not in storage


def test_the_limiter_asks_the_sentinels_for_the_master_only_with_each_ones_password():
    options = RedisOptions(password="data-env", sentinel_password="sentinel-pw")
    uri, storage = limiter_storage("redis+sentinel://u:data-url@s1:26379,s2:26380/main/2", options)
    # No credentials in the URI (limits would give them to the sentinels), the db apart.
    assert uri == "redis+sentinel://s1:26379,s2:26380/main"
    assert storage["password"] == "data-url" and storage["username"] == "u"
    assert storage["db"] == 2 and storage["use_replicas"] is False
    assert storage["sentinel_kwargs"]["password"] == "sentinel-pw"
