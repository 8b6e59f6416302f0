"""Hostile-size files through the journal import (issue 10, item 5): time, CPU and peak
memory of `import_file(..., dry_run=True)` on each file of bench/hostile_files.py.

    .venv/bin/python bench/import_hostile.py [--only NAME[,NAME...]] [--address-space-gb 2]
        [--timeout 120]

The files are built first (bench/out/hostile/). A fresh SQLite database is migrated once
and given a lab and an accountant as bench/import_journal.py sets them up; each file is
then imported in its own child process, on its own copy of that database, with the
project's settings, and with its address space limited (RLIMIT_AS, 2 GB; no core file),
so that a reader that asks for hundreds of gigabytes fails alone instead of taking the
machine down. Per file:

- `import_s`/`cpu_s`: wall and CPU time of `import_file` in the child (the preview that
  the page then builds is timed apart, `preview_s`);
- `peak_mb`: the child's whole peak resident memory (ru_maxrss, from os.wait4: known
  even when the child was killed), Python, Django and the database included;
  `baseline_mb` is the same figure just before `import_file`;
- `exit`: `ok`, `exit N`, `killed by SIGABRT` (the Rust reader's answer to an allocation
  that failed), or `timeout`, with the last line of the child's stderr;
- the outcome: the first problem (and how many) or the rows read.

Prints a table and writes bench/out/import-hostile.json. Figures are reported, never
asserted (tests/imports/test_hostile_sizes.py checks what is read or refused).
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env
from bench.hostile_files import BUILDERS, MAX_BYTES, MAX_ROWS, MAX_UNCOMPRESSED, inflated_size

FILES = env.OUT / "hostile"
TEMPLATE = env.OUT / "hostile-template.sqlite3"
DATABASE = env.OUT / "hostile-run.sqlite3"
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
LAB = "BENCH"
USER = "bench_accountant"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Hostile-size files through the import.")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"only these files (repeat or separate by commas): {', '.join(BUILDERS)}",
    )
    parser.add_argument(
        "--address-space-gb", type=float, default=2.0, help="RLIMIT_AS of each child"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a kill")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", metavar="NAME", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.setup:
        _setup()
        return
    if args.child:
        print(json.dumps(_child(args.child), default=str))
        return
    names = [name for value in args.only for name in value.split(",") if name] or list(BUILDERS)
    unknown = [name for name in names if name not in BUILDERS]
    if unknown:
        sys.exit(f"unknown file(s): {', '.join(unknown)}; known: {', '.join(BUILDERS)}")
    FILES.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "limits": {
            "IMPORT_MAX_BYTES": MAX_BYTES,
            "IMPORT_MAX_UNCOMPRESSED": MAX_UNCOMPRESSED,
            "IMPORT_MAX_ROWS": MAX_ROWS,
            "address_space_gb": args.address_space_gb,
            "timeout_s": args.timeout,
        },
        "load_before": os.getloadavg(),
        "files": {},
    }
    for name in names:
        file = BUILDERS[name]
        start = time.perf_counter()
        data = file.build()
        built = time.perf_counter() - start
        (FILES / file.file_name).write_bytes(data)
        inflated = inflated_size(data)
        results["files"][name] = {
            "file_name": file.file_name,
            "what": file.what,
            "size_mb": round(len(data) / 1e6, 2),
            "inflated_mb": round(inflated / 1e6, 2) if inflated is not None else None,
            "build_s": round(built, 2),
        }
        del data
    print(f"files built in {FILES}", flush=True)
    print("migrating the template database ...", flush=True)
    subprocess.run([sys.executable, __file__, "--setup"], check=True)
    try:
        for name in names:
            print(f"importing {name} ...", flush=True)
            results["files"][name].update(_run_child(name, args))
    finally:
        env.sqlite_remove(TEMPLATE)
        env.sqlite_remove(DATABASE)
    results["load_after"] = os.getloadavg()
    _report(results)
    out = env.OUT / "import-hostile.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {out}")


# -- the children ------------------------------------------------------------------------------


def _setup() -> None:
    """Migrate the template database and give it the lab and the accountant."""
    with env.database("sqlite", sqlite_file=TEMPLATE, keep=True):
        from bench.import_journal import _books

        env.migrate()
        lab, user = _books()
        assert lab.code == LAB and user.username == USER


def _limits(address_space: int) -> None:
    """In the child, before it runs: its address space bounded, no core file."""
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run_child(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Import one file in a child process on a copy of the template database; what it
    reported, with its exit status and its peak memory as the kernel counted it."""
    env.sqlite_remove(DATABASE)
    for suffix in SQLITE_SUFFIXES:
        source = Path(f"{TEMPLATE}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{DATABASE}{suffix}")
    address_space = int(args.address_space_gb * (1 << 30))
    stdout_path, stderr_path = env.OUT / "hostile-child.out", env.OUT / "hostile-child.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", name],
            stdout=stdout,
            stderr=stderr,
            preexec_fn=lambda: _limits(address_space),
        )
        timer = threading.Timer(args.timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
    code = child.returncode
    timed_out = code == -signal.SIGKILL and elapsed >= args.timeout
    result: dict[str, Any] = {
        "exit": (
            "ok"
            if code == 0
            else "timeout"
            if timed_out
            else f"killed by {signal.Signals(-code).name}"
            if code < 0
            else f"exit {code}"
        ),
        "returncode": code,
        "child_s": round(elapsed, 2),
        "child_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
    }
    errors = stderr_path.read_text(errors="replace").strip().splitlines()
    if errors:
        result["stderr"] = _stderr_summary(errors)
    lines = stdout_path.read_text(errors="replace").strip().splitlines()
    if code == 0 and lines:
        result.update(json.loads(lines[-1]))
    stdout_path.unlink(missing_ok=True)
    stderr_path.unlink(missing_ok=True)
    env.sqlite_remove(DATABASE)
    return result


def _stderr_summary(lines: list[str]) -> str:
    """What the child said last, or the Rust panic/allocation message if it said one."""
    for line in lines:
        if "memory allocation of" in line or "panicked at" in line:
            return line.strip()[:300]
    return lines[-1].strip()[:300]


def _child(name: str) -> dict[str, Any]:
    env.django_setup(f"sqlite:///{DATABASE}")
    from django.contrib.auth.models import User
    from django.db import connections

    from irls.models import Lab
    from ledger.services.imports import import_file

    lab = Lab.objects.get(code=LAB)
    user = User.objects.get(username=USER)
    file = BUILDERS[name]
    data = (FILES / file.file_name).read_bytes()
    result: dict[str, Any] = {"baseline_mb": round(_peak_mb(), 1)}
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name=file.file_name,
        data=data,
        dry_run=True,
    )
    result["import_s"] = round(time.perf_counter() - wall, 3)
    result["cpu_s"] = round(time.process_time() - cpu, 3)
    result["peak_after_import_mb"] = round(_peak_mb(), 1)
    wall = time.perf_counter()
    outcome.preview()
    result["preview_s"] = round(time.perf_counter() - wall, 3)
    result["ok"] = outcome.ok
    result["rows"] = outcome.rows
    result["problems"] = len(outcome.problems)
    result["first_problem"] = str(outcome.problems[0]) if outcome.problems else None
    result["notes"] = outcome.notes[:5]
    connections.close_all()
    return result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the report -----------------------------------------------------------------------------------


def _outcome(figures: dict[str, Any]) -> str:
    if figures["exit"] != "ok":
        return figures.get("stderr", "")
    if figures.get("first_problem"):
        more = figures["problems"] - 1
        return figures["first_problem"] + (f" (+{more} more)" if more else "")
    return f"read: {figures['rows']} rows, no problem"


def _report(results: dict[str, Any]) -> None:
    limits = results["limits"]
    print(
        f"\n== Hostile-size files, import_file(dry_run=True), one child each "
        f"(RLIMIT_AS {limits['address_space_gb']:g} GB), load "
        f"{results['load_before'][0]:.1f} -> {results['load_after'][0]:.1f} =="
    )
    print(
        f"{'file':<26}{'size MB':>8}{'infl. MB':>9}{'import s':>9}{'cpu s':>7}{'child s':>8}"
        f"{'peak MB':>8}{'base MB':>8}  {'exit':<18}outcome"
    )
    for name, figures in results["files"].items():
        inflated = figures["inflated_mb"]

        def number(key: str, width: int, places: int, figures: dict[str, Any] = figures) -> str:
            value = figures.get(key)
            return f"{value:>{width}.{places}f}" if value is not None else f"{'-':>{width}}"

        print(
            f"{name:<26}{figures['size_mb']:>8.1f}"
            f"{(f'{inflated:.1f}' if inflated is not None else '-'):>9}"
            f"{number('import_s', 9, 2)}{number('cpu_s', 7, 2)}{number('child_s', 8, 2)}"
            f"{number('peak_mb', 8, 0)}{number('baseline_mb', 8, 0)}  {figures['exit']:<18}"
            f"{_outcome(figures)[:150]}"
        )


if __name__ == "__main__":
    main()
