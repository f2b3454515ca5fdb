"""URLs shown to people: never with their password.

Redis, database and SMTP URLs may carry `user:password@`; every place that
shows one (settings errors, log lines, operator output) shows it through
`masked`, or passes its text through `mask_passwords`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# scheme://user:password@ : the password is anything up to the last `@` before the host.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s\"'<>]*):(?P<password>[^\s\"'<>]*)@(?P<host>[^@\s\"'<>]*)(?=[/\s\"'<>?#]|$)")


def masked(url: str) -> str:
    """The URL with its password (if any) replaced by `***`: `redis://user:***@host:port`."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, location = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.partition(':')[0]}:***@{location}"


def mask_passwords(text: str) -> str:
    """Every `scheme://user:password@` in a text, its password masked."""
    if "://" not in text:
        return text
    return _USERINFO.sub(lambda m: f"{m['head']}:***@{m['host']}", text)


def url_problem(url: str) -> str | None:
    """Why a URL of a known scheme cannot be used (its host, its port), or None; never quoting its password."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number in range)
    except ValueError:
        return f"the port is not a number from 0 to 65535 in {masked(url)}"
    if not parts.hostname and parts.scheme not in ("unix", "sqlite"):  # a socket path, a file
        return f"no host in {masked(url)}"
    return None
