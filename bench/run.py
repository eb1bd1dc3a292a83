"""Start the portal under gunicorn and measure pages against a bare Django view in one run.

    .venv/bin/python -m bench.run [--duration 10] [--rounds 3] [--only start,service]
    .venv/bin/python -m bench.run --database postgres --only slots,rush,room

Prepares a fresh database (SQLite in the bench directory, or the PostgreSQL database
rathaus_bench), starts gunicorn with the worker and thread counts of rathaus.sh on a free port
of 127.0.0.1, and drives every page target with wrk at the same concurrency for the same time,
after a warm-up. Prints requests per second, p50/p99 latency, errors, the ratio to the baseline
and the server's CPU time per request. Then, in the same run against the same server, the two
crowds of bench/rush.py: a rush on one hot slot through the booking API, and a burst of new
visitors at a calendar behind the waiting room. Writes the figures to bench/results/.
docs/performance.md explains the method and the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from statistics import median
from types import FrameType
from typing import Any
from urllib.parse import urlencode

from bench import appointments as bench_data
from bench import cases as bench_cases
from bench import rush as crowds

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SERVICE = "hund-anmelden"
# Finds the birth, marriage and death certificates and more: a results page of several services.
SEARCH = "urkunde"
SEARCH_EXPECT = "Geburtsurkunde"
# A valid first step of services/hund-anmelden.yaml; the CSRF token is added per draft.
OWNER_STEP = {
    "owner_name-given_names": "Erika",
    "owner_name-family_name": "Mustermann",
    "owner_birth_date": "1980-04-12",
    "owner_address-street": "Rathausplatz",
    "owner_address-number": "1",
    "owner_address-postcode": "31000",
    "owner_address-city": "Musterstadt",
    "owner_email": "erika.mustermann@example.org",
    "owner_phone": "",
    "action": "continue",
}
NEXT_STEP = "/keeping/"
RESULT_MARKER = "BENCH_RESULT "


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which."""


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    path: str
    submit: bool = False
    token: bool = False  # sends the agent's API token
    staff: bool = False  # sends the benchmark clerk's session cookie
    expect: str = ""  # text the page must contain to be measured


def next_weekday() -> str:
    """A day with slots in the bench calendars (Monday to Saturday, from tomorrow)."""
    day = dt.date.today() + dt.timedelta(days=2)
    while day.weekday() == 6:
        day += dt.timedelta(days=1)
    return day.isoformat()


TARGETS = (
    Target("baseline", "bare Django view (baseline)", "/_bench/bare"),
    Target("start", "start page", "/de/"),
    Target("service", "service page", f"/de/services/{SERVICE}/"),
    # A search by an everyday word across the fifty services, answered from the page cache,
    # and the same search rendered afresh on every request (the bench-only twin of the page).
    Target("search", "search (cached)", f"/de/?q={SEARCH}", expect=SEARCH_EXPECT),
    Target("search-uncached", "search (uncached)", f"/de/_bench/search-uncached?q={SEARCH}",
           expect=SEARCH_EXPECT),
    Target("submit", "form step submit", "", submit=True),
    Target("slots", "slot list (calendar page)", f"/de/appointments/{bench_data.SLOTS}/"),
    Target("api-slots", "slot list (API, JSON)",
           f"/api/v1/appointments/calendars/{bench_data.SLOTS}/slots?date={next_weekday()}",
           token=True),
    # The floor under every staff page (signed in with both factors), with and without the
    # staff layout: what the workbasket's figures are to be read against.
    Target("staff-bare", "staff floor (signed in, no page)", "/de/_bench/staff-bare",
           staff=True),
    Target("staff-layout", "staff floor (empty staff page)", "/de/_bench/staff-layout",
           staff=True),
    # The tax office's open cases that are due, soonest first: filtered, counted and sorted.
    Target("workbasket", "workbasket (filtered, sorted)",
           "/de/staff/submissions/?state=received&state=in_progress&sort=due", staff=True),
)
# Run after the page targets, against the same server: see bench/rush.py.
CROWDS = {"rush": "rush on one hot slot (booking API)",
          "room": "burst of new visitors at the waiting room"}
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/rathaus_bench"


@dataclass(frozen=True)
class Measurement:
    round: int
    target: str
    label: str
    path: str
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int
    error_detail: dict[str, int]
    # CPU time per request of the gunicorn processes and of wrk: unlike requests per second,
    # barely moved by other programs competing for the two cores.
    server_cpu_ms: float | None
    client_cpu_ms: float
    wrk_output: str = field(repr=False)


@dataclass(frozen=True)
class Summary:
    target: str
    label: str
    path: str
    rounds: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float
    ratio_range: tuple[float, float]
    server_cpu_ms: float | None
    cpu_ratio: float | None


# -- options ---------------------------------------------------------------------------------


def bounded(low: int, high: int) -> Callable[[str], int]:
    """Parse an integer option that must lie between `low` and `high`."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=bounded(1, 300), default=10,
                        help="seconds of measurement per target (default 10)")
    parser.add_argument("--warmup", type=bounded(0, 60), default=3,
                        help="seconds of untimed load per target before measuring (default 3)")
    parser.add_argument("--rounds", type=bounded(1, 10), default=1,
                        help="measure every target this many times, interleaved (default 1)")
    parser.add_argument("--connections", type=bounded(1, 512), default=16,
                        help="concurrent connections, the same for every target (default 16)")
    parser.add_argument("--load-threads", type=bounded(1, 16), default=2,
                        help="wrk threads (default 2)")
    parser.add_argument("--workers", type=bounded(1, 32), default=os.cpu_count() or 2,
                        help="gunicorn workers, as in rathaus.sh (default: one per core)")
    parser.add_argument("--threads", type=bounded(1, 64), default=4,
                        help="gunicorn threads per worker, as in rathaus.sh (default 4)")
    parser.add_argument("--drafts", type=bounded(1, 1000), default=0,
                        help="drafts the step submit rotates over (default: --connections)")
    parser.add_argument("--only", default="",
                        help="comma-separated targets to measure besides the baseline: "
                             + ", ".join([*(t.key for t in TARGETS[1:]), *CROWDS]))
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                        help="sqlite (a file in --bench-dir) or postgres (database "
                             "rathaus_bench, dropped and created; see --postgres-url)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL,
                        help=f"the PostgreSQL database to recreate (default {POSTGRES_URL})")
    parser.add_argument("--db-pool-size", type=bounded(1, 64), default=10,
                        help="PostgreSQL connections per gunicorn worker (default 10)")
    parser.add_argument("--slot-list-cache", type=bounded(0, 60), default=0,
                        help="seconds the calendar page's slot list may be cached "
                             "(RATHAUS_SLOT_LIST_CACHE_SECONDS; default 0: measured uncached)")
    parser.add_argument("--cases", type=bounded(1, 1_000_000), default=100_000,
                        help="cases of one department for the workbasket (default 100000)")
    parser.add_argument("--rush-capacity", type=bounded(10, 100_000), default=2000,
                        help="staff places on the hot slot (default 2000)")
    parser.add_argument("--rush-requests", type=bounded(10, 1_000_000), default=0,
                        help="booking requests sent (default: twice the capacity)")
    parser.add_argument("--rush-connections", type=bounded(1, 2000), default=256,
                        help="concurrent connections of the rush (default 256)")
    parser.add_argument("--room-visitors", type=bounded(1, 100_000), default=1200,
                        help="new visitors arriving at the waiting room (default 1200)")
    parser.add_argument("--room-per-minute", type=bounded(1, 100_000), default=1200,
                        help="the waiting room's admissions per minute (default 1200)")
    parser.add_argument("--room-arrival", type=float, default=2.0,
                        help="seconds over which the visitors arrive (default 2)")
    parser.add_argument("--room-connections", type=bounded(1, 2000), default=128,
                        help="connections the visitors share (default 128)")
    parser.add_argument("--bench-dir", type=Path, default=ROOT / "var" / "bench",
                        help="where the database, static files and server log go "
                             "(default var/bench; the database is recreated every run)")
    parser.add_argument("--collectstatic", action="store_true",
                        help="collect static files even if they look current")
    parser.add_argument("--access-log", action="store_true",
                        help="let gunicorn write an access log (off by default)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    if args.connections < args.load_threads:
        parser.error("--connections must be at least --load-threads")
    wanted = {item.strip() for item in args.only.split(",") if item.strip()}
    unknown = wanted - {t.key for t in TARGETS} - set(CROWDS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    args.targets = [t for t in TARGETS if t.key == "baseline" or not wanted or t.key in wanted]
    args.crowds = [key for key in CROWDS if not wanted or key in wanted]
    args.rush_requests = args.rush_requests or 2 * args.rush_capacity
    args.database_url = (args.postgres_url if args.database == "postgres"
                         else f"sqlite:///{args.bench_dir.resolve() / 'bench.sqlite3'}")
    args.drafts = args.drafts or args.connections
    args.bench_dir = args.bench_dir.resolve()
    return args


# -- preparing -------------------------------------------------------------------------------


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "RATHAUS_BENCH_DIR": str(args.bench_dir),
        "RATHAUS_BENCH_DATABASE_URL": args.database_url,
        "RATHAUS_DB_POOL_SIZE": str(args.db_pool_size),
        "RATHAUS_SLOT_LIST_CACHE_SECONDS": str(args.slot_list_cache),
        "RATHAUS_DEBUG": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def manage(env: dict[str, str], *command: str) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
        text=True, check=False, timeout=600,
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    print(f"   manage.py {command[0]} ({time.monotonic() - started:.1f} s)")


def newest_mtime(folders: Sequence[Path]) -> float:
    newest = 0.0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def static_is_current(bench_dir: Path) -> bool:
    manifest = bench_dir / "static" / "staticfiles.json"
    if not manifest.exists():
        return False
    sources = [ROOT / "node_modules" / "@kern-ux" / "native" / "dist",
               *(p for p in (ROOT / "rathaus").glob("**/static") if p.is_dir())]
    return newest_mtime(sources) <= manifest.stat().st_mtime


def recreate_postgres(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database (never any other)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.startswith("rathaus_bench"):
        raise BenchError(f"refusing to drop {name!r}: the database name must start with "
                         "rathaus_bench")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def read_marker(done: subprocess.CompletedProcess[str], marker: str) -> dict[str, Any]:
    for line in done.stdout.splitlines():
        if line.startswith(marker):
            result: dict[str, Any] = json.loads(line[len(marker):])
            return result
    raise BenchError(f"no {marker.strip()} line in:\n{done.stdout}{done.stderr}")


def appointments(env: dict[str, str], *command: str) -> dict[str, Any]:
    """Run a command of bench/appointments.py and return what it printed."""
    done = subprocess.run([sys.executable, "-m", "bench.appointments", *command], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"bench.appointments {command[0]} failed:\n{done.stdout}{done.stderr}")
    return read_marker(done, bench_data.MARKER)


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Recreate the benchmark database and load the service catalog into it."""
    args.bench_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (args.bench_dir / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
    if args.database == "postgres":
        recreate_postgres(args.database_url)
    if not any((ROOT / "rathaus" / "locale").glob("*/LC_MESSAGES/*.mo")):
        # German pages render their translations, as under rathaus.sh start.
        manage(env, "compilemessages", "-v0", "--ignore=.venv", "--ignore=node_modules")
    if args.collectstatic or not static_is_current(args.bench_dir):
        manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_services")
    args.data = appointments(env, "setup", "--capacity", str(args.rush_capacity),
                             "--per-minute", str(args.room_per_minute))
    print(f"   appointments: {args.data['slots_in_list']} slots in {bench_data.SLOTS}, "
          f"hot slot {args.data['slot_id']} with {args.rush_capacity} staff places")
    if any(target.staff for target in args.targets):
        done = subprocess.run([sys.executable, "-m", "bench.cases", "setup", "--count",
                               str(args.cases)], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False, timeout=1800)
        if done.returncode != 0:
            raise BenchError(f"bench.cases setup failed:\n{done.stdout}{done.stderr}")
        made = read_marker(done, bench_cases.MARKER)
        args.data["staff_cookie"] = made["cookie"]
        print(f"   cases: {made['cases']} of {bench_cases.DEPARTMENT}, clerk {bench_cases.CLERK}")

# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def gunicorn(args: argparse.Namespace, env: dict[str, str],
             port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run the portal like rathaus.sh does; stop it however the block ends."""
    log = args.bench_dir / "gunicorn.log"
    command = [
        str(VENV_BIN / "gunicorn"), "rathaus.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--forwarded-allow-ips", HOST, "--error-logfile", str(log),
    ]
    if args.access_log:
        command += ["--access-logfile", str(args.bench_dir / "access.log")]
    # The portal's own log (tracebacks of 500s) goes to the console handler: keep it.
    output = (args.bench_dir / "server.log").open("wb")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    output.close()
    print(f"   gunicorn pid {server.pid} on http://{HOST}:{port} "
          f"({args.workers} workers x {args.threads} threads), log {log}")
    try:
        yield server
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    print("   gunicorn stopped")


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float | None:
    """Return the CPU time used so far by the gunicorn master and its live workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # The command name in field 2 may hold spaces; the rest follows its ")".
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            pid, ppid = int(entry.name), int(fields[1])
            if pid == server.pid or ppid == server.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return total / ticks


def wait_healthy(port: int, log: Path, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _headers, _body = fetch(port, "GET", "/healthz")
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s\n{tail}")


# -- plain HTTP for setting up ---------------------------------------------------------------


def fetch(port: int, method: str, path: str, *, body: str = "",
          cookies: dict[str, str] | None = None, token: str = ""
          ) -> tuple[int, http.client.HTTPMessage, str]:
    headers = {"Host": f"{HOST}:{port}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body.encode() or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode(errors="replace")
    finally:
        connection.close()


def take_cookies(headers: http.client.HTTPMessage, jar: dict[str, str]) -> None:
    for line in headers.get_all("Set-Cookie") or []:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(line)
        jar.update({name: morsel.value for name, morsel in parsed.items()})


def create_draft(port: int) -> tuple[str, dict[str, str]]:
    """Start an application in a new session; return the first step's path and the cookies."""
    start = f"/de/services/{SERVICE}/apply/"
    jar: dict[str, str] = {}
    status, headers, _body = fetch(port, "GET", start)
    take_cookies(headers, jar)
    if status != 200 or "csrftoken" not in jar:
        raise BenchError(f"GET {start} answered {status} without a CSRF cookie")
    status, headers, _body = fetch(port, "POST", start, cookies=jar,
                                   body=urlencode({"csrfmiddlewaretoken": jar["csrftoken"]}))
    take_cookies(headers, jar)
    location = headers.get("Location", "")
    if status != 302 or not re.fullmatch(r"/de/apply/[0-9a-f-]{36}/owner/", location):
        raise BenchError(f"POST {start} answered {status} to {location!r}, expected the owner step")
    if "sessionid" not in jar:
        raise BenchError(f"POST {start} set no session cookie")
    return location, jar


def check_form_fields(port: int, step_path: str, jar: dict[str, str]) -> None:
    """Fail early when the step no longer has the inputs the benchmark fills in."""
    status, _headers, body = fetch(port, "GET", step_path, cookies=jar)
    names = set(re.findall(r'name="([^"]+)"', body))
    missing = [name for name in OWNER_STEP if name not in names]
    if status != 200 or missing:
        raise BenchError(f"GET {step_path} answered {status}; inputs missing: {missing}")


def prepare_submissions(port: int, count: int, work: Path) -> Path:
    """Create `count` drafts and write the step posts wrk_submit.lua sends."""
    lines = []
    for number in range(count):
        step_path, jar = create_draft(port)
        if number == 0:
            check_form_fields(port, step_path, jar)
        body = urlencode({"csrfmiddlewaretoken": jar["csrftoken"], **OWNER_STEP})
        status, headers, page = fetch(port, "POST", step_path, body=body, cookies=jar)
        location = headers.get("Location", "")
        if status != 302 or NEXT_STEP not in location:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', page)[:5]
            raise BenchError(f"POST {step_path} answered {status} to {location!r}: {errors}")
        cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
        lines.append(f"{step_path}\t{cookie}\t{body}\n")
    drafts = work / "drafts.tsv"
    drafts.write_text("".join(lines))
    return drafts


def check_page(port: int, target: Target, data: dict[str, Any]) -> None:
    cookies = dict([data["staff_cookie"].split("=", 1)]) if target.staff else None
    status, _headers, body = fetch(port, "GET", target.path, cookies=cookies,
                                   token=data.get("token", "") if target.token else "")
    if status != 200 or not body:
        raise BenchError(f"GET {target.path} answered {status}; it must answer 200 to be measured")
    if target.expect and target.expect not in body:
        raise BenchError(f"GET {target.path} does not show {target.expect!r}")


# -- load ------------------------------------------------------------------------------------


def wrk(args: argparse.Namespace, port: int, target: Target, seconds: int,
        drafts: Path | None) -> dict[str, Any]:
    script = BENCH / ("wrk_submit.lua" if target.submit else "wrk_report.lua")
    command = [
        "wrk", "--threads", str(args.load_threads), "--connections", str(args.connections),
        "--duration", f"{seconds}s", "--timeout", "10s", "--latency", "--script", str(script),
        *(["--header", f"Authorization: Bearer {args.data['token']}"] if target.token else []),
        *(["--header", f"Cookie: {args.data['staff_cookie']}"] if target.staff else []),
        # The submit script builds its own request paths; wrk still wants one in the URL.
        f"http://{HOST}:{port}{target.path or '/'}",
    ]
    if target.submit:
        if drafts is None:
            raise BenchError("the step submit needs drafts")
        command += ["--", str(drafts), NEXT_STEP, str(args.load_threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARKER):])
            result["output"] = done.stdout
            return result
    raise BenchError(f"wrk printed no result line:\n{done.stdout}{done.stderr}")


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(args: argparse.Namespace, server: subprocess.Popen[bytes], port: int,
            target: Target, drafts: Path | None, number: int) -> Measurement:
    if args.warmup:
        wrk(args, port, target, args.warmup, drafts)
    server_before, client_before = server_cpu_seconds(server), client_cpu_seconds()
    raw = wrk(args, port, target, args.duration, drafts)
    server_after, client_after = server_cpu_seconds(server), client_cpu_seconds()
    requests = max(raw["requests"], 1)
    server_cpu = None
    if server_before is not None and server_after is not None:
        server_cpu = round((server_after - server_before) * 1000 / requests, 3)
    seconds = raw["duration_us"] / 1_000_000
    detail = {
        "connect": raw["connect_errors"], "read": raw["read_errors"],
        "write": raw["write_errors"], "timeout": raw["timeouts"],
        "status_not_2xx_3xx": raw["status_errors"],
    }
    if target.submit:
        # A 200 here is a form re-rendered with errors: not a saved step.
        detail["not_302_to_next_step"] = raw["extra"]["unexpected_responses"]
    errors = sum(detail.values()) - (detail["status_not_2xx_3xx"] if target.submit else 0)
    return Measurement(
        round=number, target=target.key, label=target.label, path=target.path or "<step owner>",
        requests=raw["requests"], seconds=round(seconds, 3),
        requests_per_second=round(raw["requests"] / seconds, 1),
        p50_ms=raw["p50_ms"], p90_ms=raw["p90_ms"], p99_ms=raw["p99_ms"],
        mean_ms=raw["mean_ms"], max_ms=raw["max_ms"], errors=errors, error_detail=detail,
        server_cpu_ms=server_cpu,
        client_cpu_ms=round((client_after - client_before) * 1000 / requests, 3),
        wrk_output=raw["output"],
    )


# -- reporting -------------------------------------------------------------------------------


def table(summaries: Sequence[Summary]) -> str:
    header = (f"{'target':<28} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
              f"{'ratio':>5} {'(range)':>11} {'cpu ms':>7} {'cpu ratio':>9}")
    rows = [header, "-" * len(header)]
    for item in summaries:
        low, high = item.ratio_range
        cpu = f"{item.server_cpu_ms:.3f}" if item.server_cpu_ms is not None else "-"
        cpu_ratio = f"{item.cpu_ratio:.2f}" if item.cpu_ratio is not None else "-"
        rows.append(f"{item.label:<28} {item.requests_per_second:>8.1f} {item.p50_ms:>7.2f} "
                    f"{item.p99_ms:>7.2f} {item.errors:>6} {item.ratio:>5.2f} "
                    f"{f'({low:.2f}-{high:.2f})':>11} {cpu:>7} {cpu_ratio:>9}")
    return "\n".join(rows)


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1) if found else ""
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True,
                                 check=False).stdout.splitlines()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    return {
        "cpus": os.cpu_count(), "cpu_model": model, "platform": platform.platform(),
        "python": platform.python_version(), "wrk": wrk_version[0] if wrk_version else "",
        "git_commit": commit, "cache": "redis" if os.environ.get("REDIS_URL") else "database",
        "page_cache_seconds": os.environ.get("RATHAUS_PAGE_CACHE_SECONDS", "60 (default)"),
    }


def save(args: argparse.Namespace, summaries: Sequence[Summary],
         measurements: Sequence[Measurement], crowd_results: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    options = {key: (str(value) if isinstance(value, Path) else value)
               for key, value in vars(args).items()
               if key not in ("targets", "data", "crowd_failed")}
    payload = {
        "when": stamp, "machine": machine(), "options": options,
        "client": "wrk for every target (GETs: wrk_report.lua; submit: wrk_submit.lua)",
        "summary": [asdict(item) for item in summaries],
        "crowds": crowd_results,
        "runs": [asdict(item) for item in measurements],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


# -- main ------------------------------------------------------------------------------------


def raise_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> list[Summary]:
    env = server_env(args)
    print(f"== preparing {args.bench_dir}")
    prepare(args, env)
    port = free_port()
    print("== starting the server")
    # Each round measures the baseline and then every target; one more baseline closes the
    # run. A target's ratio in a round is taken against the mean of the baselines before and
    # after it, so a machine that gets busier or quieter during the run favours no target.
    plan = [(number, target) for number in range(1, args.rounds + 1) for target in args.targets]
    plan.append((args.rounds + 1, TARGETS[0]))
    measurements: list[Measurement] = []
    log = args.bench_dir / "gunicorn.log"
    with gunicorn(args, env, port) as server, tempfile.TemporaryDirectory() as work:
        wait_healthy(port, log)
        drafts = None
        for target in args.targets:
            if not target.submit:
                check_page(port, target, args.data)
        if any(target.submit for target in args.targets):
            print(f"   creating {args.drafts} drafts for the step submit")
            drafts = prepare_submissions(port, args.drafts, Path(work))
        for number, target in plan:
            step = f"round {number}/{args.rounds}" if number <= args.rounds else "closing"
            print(f"== {step}, {target.label}: "
                  f"{args.warmup} s warm-up, {args.duration} s at {args.connections} connections")
            measurements.append(measure(args, server, port, target, drafts, number))
        results: dict[str, Any] = {}
        if "rush" in args.crowds:
            results["rush"] = run_rush(args, env, server, port)
        if "room" in args.crowds:
            results["room"] = run_room(args, env, port)
    summaries = summarize(args.targets, measurements)
    baselines = [m.requests_per_second for m in measurements if m.target == "baseline"]
    print()
    print(table(summaries))
    print(f"\nbaseline runs (req/s): {', '.join(f'{value:.0f}' for value in baselines)}; "
          "ratio = median over rounds of target / mean of the baselines around it; "
          "cpu ms = gunicorn CPU time per request; cpu ratio = baseline cpu ms / target cpu ms")
    for key, result in results.items():
        print(f"\n{CROWDS[key]}:")
        for name, value in result.items():
            print(f"   {name}: {value}")
    args.crowd_failed = crowd_failures(results)
    for failure in args.crowd_failed:
        print(f"FAILED: {failure}")
    if not args.no_save:
        print(f"results: {save(args, summaries, measurements, results)}")
    return summaries


# -- the crowds ----------------------------------------------------------------------------------


def postgres_cpu_seconds() -> float:
    """Return the CPU time used so far by the PostgreSQL server processes on this machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.partition("(")[2].startswith("postgres)"):
            fields = stat.rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_rush(args: argparse.Namespace, env: dict[str, str], server: subprocess.Popen[bytes],
             port: int) -> dict[str, Any]:
    """Book one slot through the API with more requests than places; check the count after."""
    token, slot_id = args.data["token"], args.data["slot_id"]
    print(f"== rush: warm-up on another slot, then {args.rush_requests} booking requests over "
          f"{args.rush_connections} connections for {args.rush_capacity} places")
    warm = crowds.rush(HOST, port, token=token, slot_id=args.data["warm_slot_id"],
                       connections=args.rush_connections, total=min(args.rush_capacity, 1000),
                       first_number=1_000_000)
    if warm.statuses.get("201", 0) == 0:
        raise BenchError(f"the warm-up booked nothing: {warm.statuses} {warm.bodies}")
    server_before, pg_before = server_cpu_seconds(server), postgres_cpu_seconds()
    result = crowds.rush(HOST, port, token=token, slot_id=slot_id,
                         connections=args.rush_connections, total=args.rush_requests)
    server_after, pg_after = server_cpu_seconds(server), postgres_cpu_seconds()
    counted = appointments(env, "count", "--slot", str(slot_id))
    figures = crowds.as_dict(result)
    requests = max(result.sent, 1)
    if server_before is not None and server_after is not None:
        figures["server_cpu_ms"] = round((server_after - server_before) * 1000 / requests, 3)
    if args.database == "postgres":
        # All PostgreSQL processes of the machine: other work on it is counted too.
        figures["postgres_cpu_ms"] = round((pg_after - pg_before) * 1000 / requests, 3)
    figures["capacity"] = args.rush_capacity
    figures["database"] = {key: counted[key] for key in
                           ("booked_staff", "bookings", "occupying", "capacity_staff")}
    if counted["first_created"] and counted["last_created"]:
        spread = counted["last_created"] - counted["first_created"]
        figures["bookings_per_second_in_database"] = round(
            (counted["bookings"] - 1) / spread, 1) if spread else None
    return figures


def run_room(args: argparse.Namespace, env: dict[str, str], port: int) -> dict[str, Any]:
    """Open the waiting room's calendar and let a burst of new visitors arrive."""
    lead = 3.0
    print(f"== waiting room: {args.room_visitors} new visitors within {args.room_arrival} s, "
          f"{args.room_per_minute} admissions per minute, the room opens {lead:.0f} s after "
          "the first")
    opened = appointments(env, "open-room", "--in-seconds", str(lead),
                          "--per-minute", str(args.room_per_minute))
    expected = args.room_visitors * 60 / args.room_per_minute
    cpu_before = time.process_time()
    result = crowds.waiting_room_burst(
        HOST, port, path=f"/de/appointments/{bench_data.ROOM}/", visitors=args.room_visitors,
        connections=args.room_connections, arrival_seconds=args.room_arrival,
        opens_at=opened["opens_at"], per_minute=args.room_per_minute,
        limit_seconds=lead + expected + 60)
    figures = crowds.as_dict(result)
    figures["client_cpu_s"] = round(time.process_time() - cpu_before, 2)
    return figures


def crowd_failures(results: dict[str, Any]) -> list[str]:
    failures = []
    rush = results.get("rush")
    if rush is not None:
        database = rush["database"]
        if database["booked_staff"] > rush["capacity"] or database["occupying"] > rush["capacity"]:
            failures.append(f"overbooked: {database} for {rush['capacity']} places")
        if rush["bookings"] != database["occupying"]:
            failures.append(f"{rush['bookings']} answers 201 but {database['occupying']} "
                            "bookings in the database")
        if rush["sent"] > rush["capacity"] and database["booked_staff"] != rush["capacity"]:
            failures.append(f"demand exceeded capacity but {database['booked_staff']} of "
                            f"{rush['capacity']} places were booked")
        if rush["server_errors"] or rush["errors"]:
            failures.append(f"rush: {rush['server_errors']} answers 5xx, {rush['errors']} "
                            "connection errors")
    room = results.get("room")
    if room is not None:
        if room["admitted"] != room["visitors"]:
            failures.append(f"waiting room: {room['admitted']} of {room['visitors']} "
                            "visitors got in")
        if room["most_ahead_of_schedule"] > 2:
            failures.append(f"waiting room let visitors in ahead of its schedule "
                            f"({room['most_ahead_of_schedule']} admissions)")
    return failures


def summarize(targets: Sequence[Target], measurements: Sequence[Measurement]) -> list[Summary]:
    baselines = {m.round: m.requests_per_second for m in measurements if m.target == "baseline"}
    baseline_cpu = median_cpu([m for m in measurements if m.target == "baseline"])
    summaries = []
    for target in targets:
        runs = [m for m in measurements if m.target == target.key and m.round in baselines
                and m.round + 1 in baselines]
        ratios = [m.requests_per_second / ((baselines[m.round] + baselines[m.round + 1]) / 2)
                  for m in runs]
        if target.key == "baseline":
            runs = [m for m in measurements if m.target == "baseline"]
        summaries.append(Summary(
            target=target.key, label=target.label, path=runs[0].path, rounds=len(runs),
            requests_per_second=round(median(m.requests_per_second for m in runs), 1),
            p50_ms=round(median(m.p50_ms for m in runs), 2),
            p99_ms=round(median(m.p99_ms for m in runs), 2),
            errors=sum(m.errors for m in runs),
            ratio=round(median(ratios), 3),
            ratio_range=(round(min(ratios), 3), round(max(ratios), 3)),
            server_cpu_ms=median_cpu(runs),
            cpu_ratio=(round(baseline_cpu / cpu, 3)
                       if baseline_cpu is not None and (cpu := median_cpu(runs)) else None),
        ))
    return summaries


def median_cpu(runs: Sequence[Measurement]) -> float | None:
    values = [m.server_cpu_ms for m in runs if m.server_cpu_ms is not None]
    return round(median(values), 3) if values else None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    # Also when started with SIGINT ignored (a background job): the server must not outlive us.
    signal.signal(signal.SIGINT, raise_on_signal)
    signal.signal(signal.SIGTERM, raise_on_signal)
    try:
        summaries = run(args)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 1 if any(item.errors for item in summaries) or args.crowd_failed else 0


if __name__ == "__main__":
    sys.exit(main())
