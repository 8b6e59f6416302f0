"""Fresh databases for a benchmark run, and Django set up on them.

Standard library only: a script calls `django_setup()` (or enters `database()`) before
importing any model.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "irl_bench")


def sqlite_fresh(path: Path) -> str:
    """The URL of an empty SQLite file at `path` (any previous one is removed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite_remove(path)
    return f"sqlite:///{path}"


def sqlite_remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def postgres_fresh(name: str = PG_DATABASE) -> str:
    """The URL of a new, empty PostgreSQL database (dropped first if it exists)."""
    postgres_drop(name)
    _pg_admin(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def postgres_drop(name: str = PG_DATABASE) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(database_url: str | None = None) -> None:
    """Make the project importable and set Django up on `database_url` (default: the
    environment's DATABASE_URL, as the project's settings read it)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    # The production cache (the database's, with DEBUG off) needs its table, which
    # `migrate` does not make; a no-op when it exists or the cache is in memory.
    call_command("createcachetable", verbosity=0)
    # Pages name their static files through the production storage (hashed names, read
    # from the manifest collectstatic writes), as `dev.py serve` does before starting.
    call_command("collectstatic", interactive=False, verbosity=0)


@contextmanager
def database(
    vendor: str,
    *,
    sqlite_file: Path,
    pg_name: str = PG_DATABASE,
    reuse: bool = False,
    keep: bool = False,
) -> Iterator[str]:
    """Django set up on a fresh database for the run (`vendor` "sqlite": the file
    `sqlite_file`; "postgres": the database `pg_name` on PG_SERVER), or with `reuse` on
    the one a run with `keep` left; at the end its connections closed and, unless
    `keep`, the database removed. Yields its URL."""
    if reuse:
        url = f"sqlite:///{sqlite_file}" if vendor == "sqlite" else f"{PG_SERVER}/{pg_name}"
    elif vendor == "sqlite":
        url = sqlite_fresh(sqlite_file)
    else:
        url = postgres_fresh(pg_name)
    django_setup(url)
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            if vendor == "sqlite":
                sqlite_remove(sqlite_file)
            else:
                postgres_drop(pg_name)


def migrate() -> float:
    """Django's migrate on the database set up (quiet); the seconds it took."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return time.perf_counter() - started


def server_version() -> str:
    """The version of the database Django is set up on."""
    from django.db import connection

    with connection.cursor() as cursor:
        sqlite = connection.vendor == "sqlite"
        cursor.execute("SELECT sqlite_version()" if sqlite else "SHOW server_version")
        return str(cursor.fetchone()[0])


def each_database(
    script: str, args: argparse.Namespace, json_path: Callable[[str], Path]
) -> list[dict[str, Any]]:
    """Run `script` with `args` on SQLite, then on PostgreSQL, each in a process of its own
    (Django's settings hold one default database); the results each wrote to
    `json_path(database)`."""
    results = []
    for vendor in ("sqlite", "postgres"):
        subprocess.run([sys.executable, script, *_argv(args, vendor)], check=True)
        results.append(json.loads(json_path(vendor).read_text()))
    return results


def _argv(args: argparse.Namespace, vendor: str) -> list[str]:
    """`args` as options again, with `--database vendor`."""
    argv = ["--database", vendor]
    for name, value in vars(args).items():
        option = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv += [option] if value else []
        elif name != "database":
            argv += [option, str(value)]
    return argv
