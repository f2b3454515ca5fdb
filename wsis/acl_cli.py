"""`wsis acl`: the Redis ACL users of a deployment (compose.yaml's init step).

    wsis acl passwords > .env     fresh random passwords: one a user, and compose's others
    wsis acl file /acl/users.acl  the ACL file for those passwords (Valkey's aclfile)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import acl, topology

acl_cli = typer.Typer(help="Redis ACL users: one a service, one an outside publisher, least privilege.", no_args_is_help=True)


class AclPasswords(BaseSettings):
    """`WSIS_REDIS_PASSWORD_<USER>` for each user, `WSIS_REDIS_ADMIN_PASSWORD` for the default one."""

    model_config = SettingsConfigDict(env_prefix="WSIS_REDIS_", extra="ignore")

    admin_password: str | None = None
    password_submission: str | None = None
    password_eligibility: str | None = None
    password_voting: str | None = None
    password_judging: str | None = None
    password_notify: str | None = None
    password_ticker: str | None = None
    # The outside publishers (CONTRACT 4).
    password_platform: str | None = None
    password_registry: str | None = None
    password_frontend: str | None = None
    password_panel: str | None = None
    password_console: str | None = None

    def by_user(self) -> dict[str, str]:
        return {user: value for user in acl.ALL_USERS if (value := getattr(self, f"password_{user}"))}


@acl_cli.command()
def passwords() -> None:
    """Print fresh random passwords as environment lines: every secret compose.yaml asks for (a .env file)."""
    typer.echo(f"WSIS_REDIS_ADMIN_PASSWORD={secrets.token_urlsafe(24)}")
    for user, password in acl.new_passwords().items():
        typer.echo(f"WSIS_REDIS_PASSWORD_{user.upper()}={password}")
    # PostgreSQL's superuser, each service's own role (`wsis db roles`), the dashboard's admin
    for variable in ("WSIS_DB_PASSWORD", *(f"WSIS_DB_PASSWORD_{s.upper()}" for s in topology.SERVICES), "WSIS_GRAFANA_PASSWORD"):
        typer.echo(f"{variable}={secrets.token_urlsafe(24)}")


@acl_cli.command()
def file(path: Annotated[Path, typer.Argument(help="Where to write the ACL file.")]) -> None:
    """Write the ACL file for the passwords in the environment (password hashes only)."""
    given = AclPasswords()
    if not given.admin_password:
        typer.echo("configuration error: WSIS_REDIS_ADMIN_PASSWORD is not set (see `wsis acl passwords`)", err=True)
        raise typer.Exit(2)
    try:
        text = acl.users_file(given.by_user(), given.admin_password)
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}; set WSIS_REDIS_PASSWORD_<USER> (see `wsis acl passwords`)", err=True)
        raise typer.Exit(2) from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    # Hashes of random passwords only; the Valkey container runs as another user.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    typer.echo(f"wrote {len(acl.ALL_USERS) + 1} users to {path}")
