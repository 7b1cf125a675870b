"""Run the installed wapiti with its arguments, two of its faults mended.

Usage: <wapiti's own interpreter> wapiti_run.py WAPITI_ARGS…

Two faults of Debian's wapiti 3.0.4 are mended, only when the installed version has them:

- it compiles each `-x` pattern with its regex flags at the end (``…\\Z(?ms)``), which
  Python 3.11 refuses ("global flags not at the start"): any `-x` makes it crash before
  crawling. Its function is replaced by one that puts the flags first, as later releases do.
- it posts a multipart form's text fields as files (requests' ``files=`` with a bare value
  takes the field's name as file name), so the import form's CSRF token never reaches the
  form and every request to it, genuine or forged, is refused alike: the form would go
  unscanned, and the csrf module reports its token as "not properly checked". The text
  fields are sent as fields, without a file name.
"""

from __future__ import annotations

import inspect
import re
import sys
from importlib.metadata import entry_points


def wildcard_translate(pattern: str) -> re.Pattern[str]:
    """wapiti's exclusion pattern: `*` matches anything, every other character itself."""
    return re.compile("(?ms)" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


def mend_exclusions() -> None:
    """Replace wapiti's pattern compiler when it cannot compile a pattern."""
    try:
        from wapitiCore.net import crawler
    except ImportError:
        return
    original = getattr(crawler, "wildcard_translate", None)
    if original is None:
        return
    try:
        original("http://127.0.0.1/*")
    except re.error:
        crawler.wildcard_translate = wildcard_translate


def as_form_fields(parts: list | None) -> list | None:
    """Multipart parts for requests: text values as fields (no file name), files as they are."""
    if not parts:
        return parts
    return [
        [name, value] if isinstance(value, (list, tuple)) else [name, (None, value or "")]
        for name, value in parts
    ]


def mend_multipart() -> None:
    """Make wapiti's crawler send a multipart form's text fields as fields."""
    try:
        from wapitiCore.net.crawler import Crawler
    except ImportError:
        return
    original = getattr(Crawler, "post", None)
    if original is None or "form.post_params + form.file_params" not in _source(original):
        return

    def post(self, form, follow_redirects=False, headers=None):
        session_post = self._session.post

        def with_fields(*args, files=None, **kwargs):
            return session_post(*args, files=as_form_fields(files), **kwargs)

        self._session.post = with_fields
        try:
            return original(self, form, follow_redirects, headers)
        finally:
            del self._session.post

    Crawler.post = post


def _source(function) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def main() -> int:
    """wapiti's console entry point, after the repairs."""
    mend_exclusions()
    mend_multipart()
    [wapiti] = [entry for entry in entry_points(group="console_scripts") if entry.name == "wapiti"]
    sys.argv[0] = "wapiti"
    return wapiti.load()() or 0


if __name__ == "__main__":
    sys.exit(main())
