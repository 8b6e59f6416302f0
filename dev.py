#!/usr/bin/env python3
"""Set up and run IRL Ledger on a machine with only Python 3.11 and git.

    python3 dev.py start   # venv + dependencies + SQLite database + demo data, then serve
    python3 dev.py test    # venv + dependencies, then ruff, mypy and the whole test suite
                           # (on every core; `python3 dev.py test -n 0` runs it serially)
    python3 dev.py serve   # the production server: DEBUG=0, migrate, collectstatic, gunicorn
                           # (needs SECRET_KEY; see the README's Production section)

Set DATABASE_URL=postgres://... to run any of them against PostgreSQL instead of SQLite.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed"
HOST = os.environ.get("IRL_HOST", "127.0.0.1:8000")
CHROMIUM = "/usr/bin/chromium"
SYSTEM_TOOLS = [("chromium", CHROMIUM), ("gettext", "/usr/bin/xgettext")]


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Create .venv and install the project with its dev tools, once per pyproject.toml."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"IRL Ledger needs Python 3.11 (this is {sys.version.split()[0]})")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        run(sys.executable, "-m", "venv", VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def ensure_system_tools() -> None:
    """Debian packages the tests use, installed where we may (root + apt).

    chromium drives the browser tests; gettext (xgettext, msgmerge) lets the catalogue test
    regenerate the French catalogue. Without them those tests skip.
    """
    missing = [package for package, tool in SYSTEM_TOOLS if not Path(tool).exists()]
    if not missing or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    print(
        f"+ apt-get install {' '.join(missing)} (for the browser and catalogue tests)", flush=True
    )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        subprocess.run(
            args, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    for package, tool in SYSTEM_TOOLS:
        if not Path(tool).exists():
            print(f"  {package} could not be installed: the tests that need it will skip")


def start() -> None:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    run(PYTHON, "manage.py", "compile_translations", env=env)
    run(PYTHON, "manage.py", "migrate", "--verbosity", "0", env=env)
    run(PYTHON, "manage.py", "load_demo", env=env)
    print(f"\nIRL Ledger is at http://{HOST}/ (admin: http://{HOST}/admin/). Ctrl-C stops it.\n")
    # The background worker beside the server (large statements and imports), stopped with
    # it; with DEBUG=1 it restarts on code changes, as runserver does.
    worker = [str(PYTHON), "manage.py", "jobs_worker"]
    print("+", " ".join(worker), "&", flush=True)
    background = subprocess.Popen(worker, cwd=ROOT, env=env)
    try:
        run(PYTHON, "manage.py", "runserver", HOST, env=env)
    finally:
        stop_worker(background)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker to stop (it finishes its task first, for up to a minute), then
    insist: a task cut short leaves nothing written, and its job can be retried."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def serve() -> None:
    """The production server on DATABASE_URL with DEBUG=0: migrations applied, the database
    cache's table made, static files collected (hashed and compressed), then gunicorn with
    config/gunicorn_conf.py in this process's place (so that it gets the signals)."""
    if not os.environ.get("SECRET_KEY", "").strip():
        sys.exit(
            "dev.py serve needs SECRET_KEY in the environment (50+ random characters: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'); see the README's "
            "Production section."
        )
    env = {**os.environ, "DEBUG": "0"}
    run(PYTHON, "manage.py", "compile_translations", "--verbosity", "0", env=env)
    run(PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0", env=env)
    run(PYTHON, "manage.py", "createcachetable", "--verbosity", "0", env=env)
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0", env=env)
    gunicorn = [str(PYTHON), "-m", "gunicorn", "--config", "config/gunicorn_conf.py"]
    print("+", " ".join(gunicorn), flush=True)
    os.chdir(ROOT)
    os.execve(gunicorn[0], gunicorn, env)  # noqa: S606 (a fixed command, no shell)


def test() -> None:
    ensure_system_tools()
    run(PYTHON, "manage.py", "compile_translations")
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    run(PYTHON, "-m", "mypy", ".")
    run(PYTHON, "manage.py", "makemigrations", "--check", "--dry-run", "--verbosity", "0")
    run(PYTHON, "-m", "pytest", *pytest_arguments(sys.argv[2:]))


def pytest_arguments(args: list[str]) -> list[str]:
    """The suite runs on every core (pytest-xdist), each worker with its own test database;
    the tests of a module that builds something once for the module (the demo, a corpus)
    stay together on one worker (the scheduler of tests/conftest.py).

    Arguments that choose the workers themselves are left alone: `-n 0` or `-p no:xdist`
    runs serially (as `--pdb` needs), `-n 4` on four workers."""
    chosen = any(
        arg in ("-n", "--numprocesses", "-pno:xdist", "--dist")
        or arg.startswith(("-n", "--numprocesses=", "--dist="))
        or (arg == "no:xdist" and previous == "-p")
        for previous, arg in zip(["", *args], args, strict=False)
    )
    if chosen or "--pdb" in args or "--trace" in args:
        return args
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2:
        return args
    return ["--numprocesses", str(cores), "--dist", "loadgroup", *args]


def main() -> None:
    commands = {"start": start, "test": test, "serve": serve}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    ensure_environment()
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
