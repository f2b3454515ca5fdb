"""Least privilege on the bus: one Redis ACL user a service (DESIGN, CONTRACT 4).

Each service's user may read its input streams and manage its consumer
group on them, and append to its own output stream and to the dead letter
stream: nothing more. Each outside publisher (CONTRACT 4, "Publishers'
access") may append to its inbound streams and read its answers with XREAD,
XRANGE, XREVRANGE and XLEN: no consumer groups, no scripts. Reading and appending are kept apart with an ACL
selector, because `XREADGROUP` and `XACK` need write access to the key they
read: a user allowed to consume the ballots' stream could otherwise append
to it. Only notify reads the sealed stream (judging writes it and never
reads it back); the ticker may append to the clock stream and nothing else.
Who reads and writes what is declared in `shared/topology.py`.

The same rules serve the embedded Valkey of `wsis up` (`users_file`, its
`aclfile`) and compose.yaml (`wsis acl file`). Passwords are never in the
file: only their SHA-256 (`#<hex>`), and they come from settings or are
generated per run.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping

from shared import topology

# Connecting: redis-py sends CLIENT SETINFO and, with a name, CLIENT SETNAME.
CONNECTION = ("ping", "hello", "auth", "echo", "select", "client|setinfo", "client|setname", "client|getname", "client|id")
# Consuming a stream in a group, reclaiming what a dead consumer left, leaving
# the group on a clean stop, and the look-ups the services make (lag, pending,
# a replica's XREAD catch-up).
CONSUME = (
    "xreadgroup", "xread", "xack", "xautoclaim", "xclaim", "xpending", "xrange", "xrevrange", "xlen",
    "xgroup|create", "xgroup|createconsumer", "xgroup|delconsumer", "xinfo|stream", "xinfo|groups", "xinfo|consumers",
)
# A publisher reads its answers without a consumer group (CONTRACT 4).
READ_ONLY = ("xread", "xrange", "xrevrange", "xlen")
APPEND = ("xadd",)
# The ballots' hot path publishes a batch with a script on voting's output
# (`shared/bus.py` XADD_RUN), never on its inputs; each command inside is
# checked against the same keys as when sent alone. No other user runs one
# (`topology.Grant.scripts`).
SCRIPTS = ("eval", "evalsha")
# A batch's answers and its XACK go in one MULTI/EXEC; each command inside is
# still checked against the keys above.
TRANSACTION = ("multi", "exec", "discard")


Grant = topology.Grant
# The system's own users: the services and the ticker.
GRANTS: tuple[Grant, ...] = (*topology.SERVICE_GRANTS, topology.TICKER)
USERS = tuple(g.user for g in GRANTS)
PUBLISHERS: tuple[Grant, ...] = topology.PUBLISHERS
PUBLISHER_USERS = tuple(g.user for g in PUBLISHERS)
# Every user of the ACL file but staff's `default`.
ALL_GRANTS: tuple[Grant, ...] = (*GRANTS, *PUBLISHERS)
ALL_USERS = tuple(g.user for g in ALL_GRANTS)
GRANT_OF = {g.user: g for g in ALL_GRANTS}


def rules(grant: Grant) -> list[str]:
    """The ACL rules of one user, after `reset` (no keys, no commands, no channels).

    A group user (a service) consumes in its group, any other reads with the
    read-only commands; only a user whose grant says so appends with scripts.
    """
    appending = APPEND + SCRIPTS if grant.scripts else APPEND
    reading = CONSUME if grant.group else READ_ONLY
    out = ["resetkeys", "resetchannels", "-@all", *(f"+{c}" for c in (*CONNECTION, *TRANSACTION))]
    out += [f"~{s}" for s in grant.writes] + [f"+{c}" for c in appending]
    if grant.reads:
        # A selector: these commands on these keys only, apart from the appends above.
        out.append("(" + " ".join([*(f"~{s}" for s in grant.reads), *(f"+{c}" for c in reading)]) + ")")
    if copies := [s for s in grant.writes if s in topology.INTERNAL_STREAMS]:
        # Its writer reads an internal copy back at start, to append what it lacks (`shared.effects.complete_copies`).
        out.append("(" + " ".join([*(f"~{s}" for s in copies), "+xrange"]) + ")")
    return out


def password_hash(password: str) -> str:
    return "#" + hashlib.sha256(password.encode()).hexdigest()


def user_line(grant: Grant, password: str) -> str:
    return " ".join(["user", grant.user, "reset", "on", password_hash(password), *rules(grant)])


def default_line(password: str | None) -> str:
    """The staff's user: everything, with a password unless the server is loopback-only."""
    secret = password_hash(password) if password else "nopass"
    return f"user default on {secret} ~* &* +@all"


def users_file(passwords: Mapping[str, str], admin_password: str | None) -> str:
    """An ACL file (Valkey's `aclfile`): the default user, one user a service, the ticker, the publishers."""
    missing = [u for u in ALL_USERS if not passwords.get(u)]
    if missing:
        raise ValueError(f"no Redis password for {', '.join(missing)}")
    lines = [default_line(admin_password), *(user_line(g, passwords[g.user]) for g in ALL_GRANTS)]
    return "\n".join(lines) + "\n"


def credentials(user: str, password: str | None) -> dict[str, str]:
    """Keyword arguments for a Redis client: the user's own, or none (the default user)."""
    return {"username": user, "password": password} if password else {}


def with_credentials(url: str, user: str, password: str) -> str:
    """`redis://host:port` as `redis://user:password@host:port` (tokens are URL-safe)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{user}:{password}@{rest.rpartition('@')[2]}"


def new_passwords() -> dict[str, str]:
    """Fresh random passwords, one a user (a `wsis up` run generates its own)."""
    return {user: secrets.token_urlsafe(24) for user in ALL_USERS}
