"""Unit tests for web.domain.devices: a user agent read as browser and system."""

from __future__ import annotations

import pytest

from web.domain.devices import Device, describe_device

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (CHROME_LINUX, Device("Chrome 131", "Linux")),
        (FIREFOX_WINDOWS, Device("Firefox 133", "Windows 10")),
        (SAFARI_IPHONE, Device("Safari 17", "iOS 17")),
        (HEADLESS_CHROME, Device("Chrome 131", "Linux")),
    ],
)
def test_a_browser_and_its_system_are_named_with_their_major_version(user_agent, device):
    assert describe_device(user_agent) == device


@pytest.mark.parametrize("user_agent", [None, "", "Werkzeug/3.1", "x" * 5000, "<b>\x00</b>"])
def test_a_user_agent_that_names_no_browser_gives_empty_parts(user_agent):
    assert describe_device(user_agent) == Device("", "")


def test_a_huge_user_agent_is_read_only_in_part():
    assert describe_device(CHROME_LINUX + " " + "A" * 100_000) == Device("Chrome 131", "Linux")
