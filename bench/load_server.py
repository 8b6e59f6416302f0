"""Many users browsing the budget pages of the real production server at once (issue 13:
"50 concurrent users browsing budget pages for 60 s: p95 < 300 ms, 0 errors").

For each database (SQLite file, then PostgreSQL database `irl_bench_load`): a fresh
database with the demo (`load_demo`), then `python3 dev.py serve` (DEBUG=0, gunicorn,
WEB_CONCURRENCY workers) as in production, behind no proxy, on 127.0.0.1. Each simulated
user is a thread with its own session: it logs in once (before the clock starts; the
password hash is what a login costs), then for `--seconds` walks as a director or an
accountant would: the lab's budget page of the year, a budget line's page, a funding
source's page, the budget page again, with a think time drawn between `--think-min` and
`--think-max` seconds between pages (0 and 0: as fast as the server answers). Every
response is timed from the request sent to the last byte read; a status other than 200
or a connection error counts as an error.

    .venv/bin/python bench/load_server.py                    # both databases, 50 users, 60 s
    .venv/bin/python bench/load_server.py --database sqlite --users 20 --seconds 30
    .venv/bin/python bench/load_server.py --think-min 0 --think-max 0   # saturation

Writes bench/out/load-server-<database>.json and prints median, p95, p99, max, requests a
second and errors, with /proc/loadavg before and after. The load generator runs on the
same 2 cores as the server: its own CPU use is reported (it takes a share of the machine).
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.env import (
    OUT,
    PG_SERVER,
    ROOT,
    postgres_drop,
    postgres_fresh,
    sqlite_fresh,
    sqlite_remove,
)

PG_NAME = os.environ.get("BENCH_PG_LOAD_DATABASE", "irl_bench_load")
SECRET_KEY = "load-" + "x7Qp2Lr9Vt4Zm8Nc3Jw6Hy1Bd5Fg0Sk-Ua_Oi.Pe2Rl9Tq4Wv7Xz3Mn8Yb6"
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
# Demo users (fixtures/demo/users.csv): directors read their lab; the accountant all four.
USERS = [
    ("director_cintra", "Photon-Harbour-2764", "CINTRA"),
    ("director_majulab", "Quantum-Monsoon-8153", "MAJULAB"),
    ("director_ipal", "Pixel-Mangrove-3608", "IPAL"),
    ("director_bmc2", "Tension-Orchid-7249", "BMC2"),
    ("accountant", "Kallang-Ledger-5937", ""),
]
LABS = ("CINTRA", "MAJULAB", "IPAL", "BMC2")


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content

    def login(self, username: str, password: str) -> None:
        status, content = self.request("GET", "/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or not found:
            raise SystemExit(f"login page answered {status}")
        form = {
            "csrfmiddlewaretoken": found.group(1).decode(),
            "username": username,
            "password": password,
        }
        status, _ = self.request("POST", "/login/", form)
        if status != 302:
            raise SystemExit(f"{username} could not log in ({status})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def start_server(url: str, port: int, var_dir: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {key: os.environ[key] for key in KEPT if key in os.environ}
    env |= {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "IRL_VAR_DIR": str(var_dir),
        "IRL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    log = (var_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "dev.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    while time.monotonic() - started < 120:
        if process.poll() is not None:
            raise SystemExit((var_dir / "server.log").read_text()[-3000:])
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz within 120 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def load_demo(url: str, var_dir: Path) -> float:
    env = {**os.environ, "DATABASE_URL": url, "IRL_VAR_DIR": str(var_dir), "DEBUG": "1"}
    python = str(ROOT / ".venv" / "bin" / "python")
    started = time.perf_counter()
    for command in (["migrate", "--verbosity", "0"], ["load_demo"]):
        subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return time.perf_counter() - started


def budget_links(client: Client, lab: str, year: int) -> list[str]:
    """The budget page and the line and source pages it links to (the user's walk)."""
    page = f"/labs/{lab}/budget/{year}/"
    status, content = client.request("GET", page)
    if status != 200:
        raise SystemExit(f"{page} answered {status}")
    lines = sorted(
        set(re.findall(rb'href="(/labs/%s/budget/\d+/lines/\d+/)"' % lab.encode(), content))
    )
    sources = sorted(
        set(re.findall(rb'href="(/labs/%s/budget/source/[^"]+/)"' % lab.encode(), content))
    )
    return [page] + [link.decode() for link in lines[:6] + sources[:3]]


def user_walk(
    client: Client,
    walks: list[list[str]],
    until: float,
    think: tuple[float, float],
    times: list[float],
    errors: list[str],
    rng: random.Random,
) -> None:
    while time.monotonic() < until:
        walk = rng.choice(walks)
        for path in (walk[0], rng.choice(walk), rng.choice(walk), walk[0]):
            if time.monotonic() >= until:
                return
            sent = time.perf_counter()
            try:
                status, _ = client.request("GET", path)
            except OSError as exc:
                errors.append(f"{path}: {exc}")
            else:
                if status == 200:
                    times.append((time.perf_counter() - sent) * 1000)
                else:
                    errors.append(f"{path}: {status}")
            if think[1] > 0:
                time.sleep(rng.uniform(*think))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(vendor: str, args: argparse.Namespace) -> dict[str, object]:
    var_dir = OUT / f"load-server-{vendor}"
    var_dir.mkdir(parents=True, exist_ok=True)
    sqlite_file = var_dir / "irl_ledger.sqlite3"
    url = sqlite_fresh(sqlite_file) if vendor == "sqlite" else postgres_fresh(PG_NAME)
    demo_s = load_demo(url, var_dir)
    port = free_port()
    server = start_server(url, port, var_dir, args.workers)
    try:
        year = date.today().year
        clients = []
        walks_by_lab: dict[str, list[str]] = {}
        for index in range(args.users):
            username, password, lab = USERS[index % len(USERS)]
            client = Client(port)
            client.login(username, password)
            clients.append((client, lab))
        for lab in LABS:
            reader = next(client for client, own in clients if own in ("", lab))
            walks_by_lab[lab] = budget_links(reader, lab, year)
        before = loadavg()
        cpu_before = os.times()
        times: list[float] = []
        errors: list[str] = []
        until = time.monotonic() + args.seconds
        threads = []
        for index, (client, lab) in enumerate(clients):
            walks = [walks_by_lab[lab]] if lab else list(walks_by_lab.values())
            thread = threading.Thread(
                target=user_walk,
                args=(
                    client,
                    walks,
                    until,
                    (args.think_min, args.think_max),
                    times,
                    errors,
                    random.Random(index),
                ),
            )
            threads.append(thread)
            thread.start()
        for thread in threads:
            thread.join()
        cpu_after = os.times()
        elapsed = args.seconds
        result: dict[str, object] = {
            "database": vendor,
            "users": args.users,
            "seconds": args.seconds,
            "think_s": [args.think_min, args.think_max],
            "workers": args.workers,
            "demo_load_s": round(demo_s, 1),
            "requests": len(times),
            "errors": len(errors),
            "error_samples": errors[:5],
            "requests_per_s": round(len(times) / elapsed, 1),
            "median_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(percentile(times, 0.95), 1) if times else None,
            "p99_ms": round(percentile(times, 0.99), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None,
            "client_cpu_s": round(
                (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system), 1
            ),
            "loadavg_before": before,
            "loadavg_after": loadavg(),
        }
    finally:
        stop_server(server)
        if not args.keep:
            if vendor == "sqlite":
                sqlite_remove(sqlite_file)
            else:
                postgres_drop(PG_NAME)
    (OUT / f"load-server-{vendor}.json").write_text(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    vendors = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    print(f"PostgreSQL server: {PG_SERVER}")
    for vendor in vendors:
        result = run(vendor, args)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
