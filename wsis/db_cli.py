"""`wsis db`: each service's PostgreSQL role, and every service's schema revisions.

    wsis db roles                                   print the SQL
    wsis db roles --apply --admin-url URL           run it (URL of a superuser)
    wsis db upgrade [SERVICE...]                    each database to the newest revision (shared.migrations)

Each service gets a login role `wsis_<service>` with the password in
`WSIS_DB_PASSWORD_<SERVICE>`, owning the schema `<service>`; nobody else gets
any right on that schema, and PUBLIC loses its rights on the database and on
the schema `public`. A service then connects as its role, e.g.
`postgresql://wsis_voting:PASSWORD@host/wsis`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from shared import topology

SERVICES = tuple(topology.SERVICES)  # each service has its own role and schema

db_cli = typer.Typer(help="Databases: one PostgreSQL role a service; schema upgrades.", no_args_is_help=True)


class MissingPassword(ValueError):
    """A service's `WSIS_DB_PASSWORD_<SERVICE>` is not set."""


def role_name(service: str) -> str:
    return f"wsis_{service}"


def password_variable(service: str) -> str:
    return f"WSIS_DB_PASSWORD_{service.upper()}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def service_sql(service: str, password: str) -> list[str]:
    """The statements giving `service` its role and its schema; safe to run again."""
    role, schema = role_name(service), service.replace("-", "_")
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) "
        f"THEN CREATE ROLE {_ident(role)} LOGIN; END IF; END $$",
        f"ALTER ROLE {_ident(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION "
        f"PASSWORD {_literal(password)}",
        f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)} AUTHORIZATION {_ident(role)}",
        f"ALTER SCHEMA {_ident(schema)} OWNER TO {_ident(role)}",
        f"REVOKE ALL ON SCHEMA {_ident(schema)} FROM PUBLIC",
        # Tables made before the role existed (by the one-user run) pass to it.
        "DO $$ DECLARE t record; BEGIN FOR t IN SELECT c.relname FROM pg_class c "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {_literal(schema)} "
        "AND c.relkind IN ('r', 'p', 'v', 'm') LOOP "
        f"EXECUTE 'ALTER TABLE ' || quote_ident({_literal(schema)}) || '.' || quote_ident(t.relname) "
        f"|| ' OWNER TO ' || quote_ident({_literal(role)}); "
        "END LOOP; END $$",
    ]


def database_sql(database: str, services: Sequence[str]) -> list[str]:
    """PUBLIC loses its rights on the database and on `public`; the roles may connect."""
    statements = [
        f"REVOKE ALL ON DATABASE {_ident(database)} FROM PUBLIC",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
    ]
    statements += [f"GRANT CONNECT ON DATABASE {_ident(database)} TO {_ident(role_name(s))}" for s in services]
    return statements


def passwords(services: Sequence[str], environ: dict[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    missing = [password_variable(s) for s in services if not env.get(password_variable(s), "").strip()]
    if missing:
        raise MissingPassword("set " + ", ".join(missing))
    return {s: env[password_variable(s)].strip() for s in services}


def roles_sql(database: str, services: Sequence[str] = SERVICES, environ: dict[str, str] | None = None) -> list[str]:
    secret = passwords(services, environ)
    statements = [line for s in services for line in service_sql(s, secret[s])]
    return statements + database_sql(database, services)


def apply(admin_url: str, statements: Sequence[str]) -> None:
    from sqlalchemy import create_engine

    from shared.db import _postgres_url

    engine = create_engine(_postgres_url(admin_url), isolation_level="AUTOCOMMIT", hide_parameters=True)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _database_of(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or "postgres"


@db_cli.command()
def roles(
    apply_: Annotated[bool, typer.Option("--apply", help="Run the SQL instead of printing it.")] = False,
    admin_url: Annotated[
        str | None, typer.Option("--admin-url", envvar="WSIS_DB_ADMIN_URL", help="A superuser's postgresql:// URL (with --apply).")
    ] = None,
    database: Annotated[str | None, typer.Option("--database", help="The database; default: the admin URL's, else wsis.")] = None,
) -> None:
    """The SQL that gives each service its own role and schema (passwords from WSIS_DB_PASSWORD_<SERVICE>)."""
    if apply_ and not admin_url:
        typer.echo("--apply needs --admin-url (or WSIS_DB_ADMIN_URL)", err=True)
        raise typer.Exit(2)
    name = database or (_database_of(admin_url) if admin_url else "wsis")
    try:
        statements = roles_sql(name)
    except MissingPassword as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not apply_:
        typer.echo("".join(f"{statement};\n" for statement in statements), nl=False)
        return
    assert admin_url is not None
    try:
        apply(admin_url, statements)
    except Exception as exc:  # noqa: BLE001 - the operator sees why, without the URL
        typer.echo(f"failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"roles ready: {', '.join(role_name(s) for s in SERVICES)}")


def service_models(service: str) -> list[Any]:
    """Every table of a service: the runtime's inbox and outbox, and its handler's."""
    from shared import outbox

    module = importlib.import_module(f"services.{service}.handler")
    (handler,) = [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__ and hasattr(c, "tables")]
    return [*outbox.INFRA_TABLES, *handler.tables]


@db_cli.command()
def upgrade(
    services: Annotated[list[str] | None, typer.Argument(help="The services (default: all five).", show_default=False)] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="WSIS_DATA_DIR", help="SQLite files under it (default ./.wsis)")] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="WSIS_DATABASE_URL", help="PostgreSQL (WSIS_DATABASE_URL_<SERVICE> per service)")
    ] = None,
) -> None:
    """Bring each service's database to the newest schema revision this release knows (as a start does)."""
    from shared import migrations
    from shared.db import make_engine, service_database_url
    from shared.logs import configure_logging
    from shared.settings import Settings

    names = services or list(SERVICES)
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        typer.echo(f"unknown service: {', '.join(unknown)} (one of {', '.join(SERVICES)})", err=True)
        raise typer.Exit(2)
    given: dict[str, Any] = {k: v for k, v in (("data_dir", data_dir), ("database_url", database_url)) if v}
    settings = Settings(**given)
    configure_logging("db-upgrade", settings.log_level, settings.log_format)  # on stderr; stdout says what was done
    failed = False
    for name in names:
        engine = make_engine(name, settings.data_dir, service_database_url(name, settings.database_url))
        try:
            done = migrations.migrate(engine, name, service_models(name))
        except migrations.SchemaTooNew as exc:
            typer.echo(f"{name}: refused: {exc}", err=True)
            failed = True
            continue
        finally:
            engine.dispose()
        stamped = f" (tables of release 0.1, stamped {done.before})" if done.stamped else ""
        if done.before is None:
            typer.echo(f"{name}: made at {done.after}")
        elif done.changed:
            typer.echo(f"{name}: {done.before} -> {done.after}{stamped}")
        else:
            typer.echo(f"{name}: at {done.after}, up to date{stamped}")
    if failed:
        raise typer.Exit(1)
