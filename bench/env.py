"""Fresh databases for a benchmark run, and Django set up on them.

Standard library only: a script calls `django_setup()` before importing any model.
"""

import os
import sys
from pathlib import Path

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
