"""What a user agent says about a device: the browser (with its major version) and the system."""

from __future__ import annotations

from typing import NamedTuple

from ua_parser import parse

# The parser reads no more than a real browser sends; longer strings are cut, not refused.
USER_AGENT_MAX = 512
# ua-parser's families, shortened or renamed for a person who reads « Chrome sur Linux ».
BROWSER_NAMES = {"HeadlessChrome": "Chrome", "Mobile Safari": "Safari", "Chrome Mobile": "Chrome"}
NOT_A_FAMILY = {"", "Other"}


class Device(NamedTuple):
    """The browser (« Firefox 133 ») and the system (« Windows 10 »); either may be empty."""

    browser: str
    system: str


def describe_device(user_agent: str | None) -> Device:
    """Browser and system of a User-Agent header; empty strings for what it does not tell."""
    result = parse((user_agent or "")[:USER_AGENT_MAX])
    browser = system = ""
    if result.user_agent and result.user_agent.family not in NOT_A_FAMILY:
        name = BROWSER_NAMES.get(result.user_agent.family, result.user_agent.family)
        browser = " ".join(part for part in (name, result.user_agent.major) if part)
    if result.os and result.os.family not in NOT_A_FAMILY:
        system = " ".join(part for part in (result.os.family, result.os.major) if part)
    return Device(browser[:60], system[:60])
