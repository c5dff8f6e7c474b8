"""The load benchmark (`make bench`): whole classes played on the real stack, on loopback.

    .venv/bin/python bench/run.py [--levels 2,10] [--players 5] [--out bench/results/latest.json]
    .venv/bin/python bench/run.py --smoke --out /tmp/smoke.json   # a few players, one turn

Starts PostgreSQL and Redis if they do not answer (as .ci/run does), creates and migrates a
dedicated database, uses a dedicated Redis database number, collects static files, then
serves the app with uvicorn (two workers per core, DEBUG off, WhiteNoise) beside real
Celery workers (as in the Procfile) and Celery beat, and a second uvicorn serving a bare
Django view (bench/bare_app.py). For each load level it creates M exercises of 4 teams
through the services and runs locust headless as a separate process (bench/locustfile.py)
until every exercise has been played, bounded in time. Then it measures team-page and
bare-view throughput, counts the queries per page view, runs the engine benchmark and, when
present, the report benchmark. It writes the figures as JSON and prints a table.
bench/README.md explains each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from view_cpu import by_view  # bench/, this script's folder

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable

TARGETS = {
    "players": 200,
    "team_page_p95_ms": 150,
    "save_submit_p95_ms": 250,
    "publish_to_last_browser_p95_ms": 1000,
    "team_page_vs_bare_ratio": 0.40,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- services -------------------------------------------------------------------------


def _answers(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_services(database_url: str, redis_url: str) -> None:
    """Start PostgreSQL and Redis on loopback when they do not answer (as .ci/run does)."""
    pg = urlsplit(database_url)
    pg_ready = ["pg_isready", "-q", "-h", pg.hostname or "127.0.0.1", "-p", str(pg.port or 5432)]
    if not _answers(pg_ready):
        log("PostgreSQL is not answering; starting it")
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
        _wait(lambda: _answers(pg_ready), 30, "PostgreSQL")
    rd = urlsplit(redis_url)
    ping = ["redis-cli", "-h", rd.hostname or "127.0.0.1", "-p", str(rd.port or 6379), "ping"]
    if not _answers(ping):
        log("Redis is not answering; starting it")
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(rd.port or 6379),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=False,
        )
        _wait(lambda: _answers(ping), 30, "Redis")


def _wait(ready, seconds: float, what: str) -> None:
    limit = time.monotonic() + seconds
    while time.monotonic() < limit:
        if ready():
            return
        time.sleep(0.5)
    raise SystemExit(f"{what} did not answer within {seconds:.0f} s")


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()


def with_redis_db(redis_url: str, number: int) -> str:
    parts = urlsplit(redis_url)
    return urlunsplit(parts._replace(path=f"/{number}"))


def static_is_fresh() -> bool:
    """collectstatic post-processes every file (15 s here): skip it when nothing changed."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    return all(p.stat().st_mtime < built for p in sources)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- processes ------------------------------------------------------------------------


class Stack:
    """The processes this run started; stopped (by their own ids) when it ends."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        out = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        return process

    def check(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text()[-3000:]
                raise SystemExit(f"{name} stopped (exit {process.returncode}):\n{tail}")

    def stop(self) -> None:
        for _, process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """Every process: (parent, command name, CPU seconds used so far), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return table


def cpu_by_part(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each process of the stack (with its children), PostgreSQL
    and Redis: where the machine's cores went during a level (the difference of two calls).
    PostgreSQL and Redis are counted whole, other users of them included."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        return table.get(pid, (0, "", 0.0))[2] + sum(tree(c) for c in children.get(pid, []))

    parts = {name: tree(process.pid) for name, process in stack.processes}
    for service in ("postgres", "redis-server"):
        parts[service] = sum(cpu for _, name, cpu in table.values() if name.startswith(service))
    return parts


def wait_http(url: str, stack: Stack, seconds: float = 60, want: int = 200) -> None:
    limit = time.monotonic() + seconds
    last = ""
    while time.monotonic() < limit:
        stack.check()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == want:
                    return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer {want} within {seconds:.0f} s ({last})")


def run_python(args: list[str], env: dict, timeout: float = 600) -> None:
    result = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, timeout=timeout)
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed with exit {result.returncode}")


def run_locust(
    *,
    classes: list[str],
    users: int,
    spawn_rate: float,
    run_time: int,
    host: str,
    join: Path,
    out: Path,
    mode: str,
    extra_env: dict,
    logs: Path,
) -> dict:
    env = {
        **os.environ,
        "BENCH_JOIN": str(join),
        "BENCH_OUT": str(out),
        "BENCH_MODE": mode,
        **extra_env,
    }
    args = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "5",
        "--host",
        host,
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    with (logs / f"locust-{out.stem}.log").open("w") as log_file:
        result = subprocess.run(
            args, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            timeout=run_time + 60,
        )  # fmt: skip
    if result.returncode or not out.exists():
        tail = (logs / f"locust-{out.stem}.log").read_text()[-3000:]
        raise SystemExit(f"locust failed (exit {result.returncode}):\n{tail}")
    return json.loads(out.read_text())


# --- figures --------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def notification_delays(raw: dict, times: dict) -> dict:
    """From each publish click, lock click and deadline to the last connected browser."""
    groups: dict[str, dict] = {}
    for kind, event in (
        ("publish", "turn.published"),
        ("lock", "turn.locked"),
        ("deadline", "turn.locked"),
    ):
        last, every, missed, marks = [], [], 0, 0
        from_lock = []
        for mark in raw["marks"]:
            if mark["kind"] != kind:
                continue
            marks += 1
            receipts = raw["received"].get(f"{mark['exercise']}:{mark['turn']}:{event}", {})
            delays = [
                receipts[str(p)] - mark["at"] for p in mark["connected"] if str(p) in receipts
            ]
            missed += len(mark["connected"]) - len(delays)
            every += delays
            if delays:
                last.append(max(delays))
            locked_at = (
                times["turns"].get(f"{mark['exercise']}:{mark['turn']}", {}).get("locked_at")
            )
            if kind == "deadline" and locked_at and delays:
                from_lock.append(max(delays) - (locked_at - mark["at"]))
        groups[kind] = {
            "turns": marks,
            "browsers_missed": missed,
            "to_last_browser_p50_ms": _ms(percentile(last, 0.5)),
            "to_last_browser_p95_ms": _ms(percentile(last, 0.95)),
            "to_last_browser_max_ms": _ms(max(last) if last else None),
            "per_browser_p50_ms": _ms(percentile(every, 0.5)),
            "per_browser_p95_ms": _ms(percentile(every, 0.95)),
        }
        if kind == "deadline":
            groups[kind]["lock_to_last_browser_p50_ms"] = _ms(percentile(from_lock, 0.5))
            groups[kind]["lock_to_last_browser_p95_ms"] = _ms(percentile(from_lock, 0.95))
    return groups


def _kind(raw: dict, name: str) -> dict | None:
    return next((r for r in raw["requests"] if r["name"] == name), None)


def level_figures(raw: dict, times: dict, *, exercises: int, players: int, seconds: float):
    requests = {
        r["name"]: {k: v for k, v in r.items() if k != "name"}
        for r in sorted(raw["requests"], key=lambda r: r["name"])
    }
    # Websockets, the worker's adjudication and the waits for an estimate are timed too;
    # they are not HTTP requests.
    http = [r for r in raw["requests"] if r["type"] not in ("WS", "CELERY", "WAIT")]
    notifications = notification_delays(raw, times)
    missed = sum(group["browsers_missed"] for group in notifications.values())
    failures = sum(r["failures"] for r in raw["requests"])
    dropped = raw["counters"].get("websocket dropped", 0)
    connected = [len(m["connected"]) for m in raw["marks"]]
    return {
        "exercises": exercises,
        "players": exercises * 4 * players,
        "players_per_team": players,
        "websockets_connected_per_exercise_min": min(connected) if connected else 0,
        "duration_s": round(seconds, 1),
        "http_requests": sum(r["requests"] for r in http),
        "requests_per_second": round(sum(r["requests"] for r in http) / seconds, 1),
        "errors": failures + missed + raw["counters"].get("adjudication not seen", 0),
        "error_details": raw["errors"],
        "websocket_drops": dropped,
        "exercises_completed": times["exercises_finished"],
        "counters": raw["counters"],
        "requests": requests,
        "notifications": notifications,
    }


def verdicts(result: dict) -> dict:
    checks = {}
    for level in result["levels"]:
        if level["players"] < TARGETS["players"]:
            continue
        page = level["requests"].get("team page", {})
        save = level["requests"].get("save draft", {})
        submit = level["requests"].get("submit move", {})
        publish = level["notifications"]["publish"]
        checks[f"{level['players']} players"] = {
            "zero errors": level["errors"] == 0,
            "team page p95 < 150 ms": (page.get("p95_ms") or 1e9) < TARGETS["team_page_p95_ms"],
            "save draft p95 < 250 ms": (save.get("p95_ms") or 1e9) < TARGETS["save_submit_p95_ms"],
            "submit p95 < 250 ms": (submit.get("p95_ms") or 1e9) < TARGETS["save_submit_p95_ms"],
            "publish to last browser p95 < 1 s": (publish["to_last_browser_p95_ms"] or 1e9)
            < TARGETS["publish_to_last_browser_p95_ms"],
            "all exercises completed": level["exercises_completed"] == level["exercises"],
        }
    ratio = result.get("throughput", {}).get("ratio")
    checks["team page throughput >= 40% of bare Django"] = (
        ratio is not None and ratio >= TARGETS["team_page_vs_bare_ratio"]
    )
    queries = result.get("queries_per_page_view")
    if isinstance(queries, dict):
        checks["queries per page view independent of turns"] = all(
            page["independent_of_turns"] for page in queries.values()
        )
    return checks


def _second(item: tuple) -> float:
    return -item[1]


VIEWS_SHOWN = 8


def print_table(result: dict) -> None:
    print()
    print(f"Wargame kit load benchmark, {result['date']} (load average {result['loadavg']})")
    for level in result["levels"]:
        print(
            f"\n{level['players']} players ({level['exercises']} exercises): "
            f"{level['requests_per_second']} req/s, {level['errors']} errors, "
            f"{level['exercises_completed']}/{level['exercises']} exercises completed"
        )
        print(f"  {'request':<32}{'count':>7}{'fail':>6}{'p50':>8}{'p95':>8}{'p99':>8}  ms")
        for name, r in level["requests"].items():
            print(
                f"  {name:<32}{r['requests']:>7}{r['failures']:>6}"
                f"{r['p50_ms']:>8.0f}{r['p95_ms']:>8.0f}{r['p99_ms']:>8.0f}"
            )
        for kind, n in level["notifications"].items():
            if n["turns"]:
                print(
                    f"  {kind} -> last browser: p50 {n['to_last_browser_p50_ms']} ms, "
                    f"p95 {n['to_last_browser_p95_ms']} ms over {n['turns']} turns "
                    f"({n['browsers_missed']} browsers missed)"
                )
        cpu = level["cpu_seconds"]
        print(
            f"  CPU seconds of {level['cpu_cores_available_seconds']} available: "
            + ", ".join(f"{name} {value}" for name, value in sorted(cpu.items(), key=_second))
        )
        views = list(level["web_cpu_by_view"].items())[:VIEWS_SHOWN]
        print(
            "  web CPU by view, seconds (ms per request): "
            + ", ".join(f"{name} {v['cpu_seconds']} ({v['cpu_ms_mean']})" for name, v in views)
            + f"; outside the views {level['web_cpu_outside_views_seconds']}"
        )
    tp = result.get("throughput")
    if tp:
        print(
            f"\nthroughput: team page {tp['team_page_rps']} req/s, bare Django "
            f"{tp['bare_rps']} req/s, ratio {tp['ratio']}"
        )
        for mode, name in (("throughput", "team page"), ("bare", "bare view")):
            print(f"  CPU ms per {name}: " + ", ".join(
                f"{part} {ms}" for part, ms in tp["cpu_ms_per_request"][mode].items()
            ))  # fmt: skip
    cpu = result.get("cpu_ms_per_request")
    if isinstance(cpu, dict):
        print("CPU per request, in-process (ms, median): " + ", ".join(
            f"{name} {ms}" for name, ms in cpu.items()
        ))  # fmt: skip
    queries = result.get("queries_per_page_view")
    if isinstance(queries, dict):
        print("queries per page view (turn 1 / turn 8): " + ", ".join(
            f"{name} {q['turn_1']}/{q['turn_8']}" for name, q in queries.items()
        ))  # fmt: skip
    engine = result.get("engine")
    if isinstance(engine, dict):
        for r in engine.get("results", []):
            print(f"engine {r['scenario']}: {r['games_per_second_best']:,.0f} games/s")
    print(f"AAR build times: {json.dumps(result.get('reports'))[:300]}")
    print("\ntargets:")
    for name, check in result["targets_met"].items():
        if isinstance(check, dict):
            for what, ok in check.items():
                print(f"  {name}: {what}: {'met' if ok else 'MISSED'}")
        else:
            print(f"  {name}: {'met' if check else 'MISSED'}")


def measure_throughput(
    args, stack: Stack, host: str, bare_host: str, join: Path, work: Path, logs: Path
) -> dict:
    """Team page and bare view, fetched back to back in alternating rounds; the medians.

    Each locust user keeps one connection, and a connection stays with the worker that
    accepted it: with few users one worker gets most of them and the figure swings with
    that draw. Several users per worker and the median of alternating rounds (after one
    round that fills every player's cached page) make it repeatable.

    Also where each kind of request's CPU goes: per process, the CPU milliseconds per
    request over the rounds (the ratio is these sums' inverse ratio when both keep the
    cores busy). A round's window holds locust's start and each reader's arrival (its
    rejoin and panel) too, spread over that round's requests.
    """
    targets = {"throughput": (host, "team page"), "bare": (bare_host, "bare Django view")}
    rounds = {mode: [] for mode in targets}
    spent = {mode: {} for mode in targets}
    for number in range(args.throughput_rounds + 1):
        for mode, (target, name) in targets.items():
            log(f"throughput round {number}: {name}" + (" (warm-up)" if number == 0 else ""))
            cpu_before = cpu_by_part(stack)
            locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            raw = run_locust(
                classes=["Reader"],
                users=args.throughput_users,
                spawn_rate=args.throughput_users,
                run_time=args.throughput_seconds if number else 3,
                host=target,
                join=join,
                out=work / f"{mode}-{number}.json",
                mode=mode,
                extra_env={},
                logs=logs,
            )
            if number:
                rounds[mode].append(_kind(raw, name))
                cpu = _cpu_since(stack, cpu_before, locust_before)
                for part, seconds in cpu.items():
                    spent[mode][part] = spent[mode].get(part, 0.0) + seconds

    def median(mode: str, key: str):
        return statistics.median(entry[key] for entry in rounds[mode])

    team_rps, bare_rps = median("throughput", "rps"), median("bare", "rps")
    return {
        "users": args.throughput_users,
        "seconds_per_round": args.throughput_seconds,
        "rounds": args.throughput_rounds,
        "team_page_rps": round(team_rps, 1),
        "team_page_p50_ms": median("throughput", "p50_ms"),
        "team_page_failures": sum(entry["failures"] for entry in rounds["throughput"]),
        "bare_rps": round(bare_rps, 1),
        "bare_p50_ms": median("bare", "p50_ms"),
        "bare_failures": sum(entry["failures"] for entry in rounds["bare"]),
        "ratio": round(team_rps / bare_rps, 3),
        "team_page_rps_per_round": [round(entry["rps"], 1) for entry in rounds["throughput"]],
        "bare_rps_per_round": [round(entry["rps"], 1) for entry in rounds["bare"]],
        "cpu_ms_per_request": {
            mode: _per_request(spent[mode], sum(entry["requests"] for entry in rounds[mode]))
            for mode in targets
        },
    }


def _cpu_since(
    stack: Stack, cpu_before: dict[str, float], locust_before: resource.struct_rusage
) -> dict[str, float]:
    """CPU seconds per part of the stack since ``cpu_before``, and locust's since
    ``locust_before`` (the run's children that ended since)."""
    cpu_after = cpu_by_part(stack)
    locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    cpu["locust"] = (locust_after.ru_utime + locust_after.ru_stime) - (
        locust_before.ru_utime + locust_before.ru_stime
    )
    return cpu


def _per_request(seconds: dict[str, float], requests: int) -> dict[str, float]:
    """Milliseconds per request of each part that used any, the busiest first."""
    used = {part: 1000 * value / requests for part, value in seconds.items() if value > 0}
    return {part: round(ms, 3) for part, ms in sorted(used.items(), key=lambda kv: -kv[1])}


# --- the run --------------------------------------------------------------------------


def positive(text: str) -> int:
    """For the counts a median is taken over."""
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not 1 or more")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="2,10", help="exercises at once, per load level")
    parser.add_argument("--players", type=int, default=5, help="players per team")
    parser.add_argument("--turns", type=int, default=3, help="turns played per exercise")
    parser.add_argument("--turn-seconds", type=float, default=30)
    parser.add_argument("--think", default="4,10", help="seconds between a player's actions")
    parser.add_argument("--deadline-turn", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--decision-support", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--throughput-seconds", type=int, default=10, help="per round")
    parser.add_argument("--throughput-rounds", type=positive, default=3)
    parser.add_argument(
        "--throughput-users",
        type=int,
        default=None,
        help="locust users fetching back to back (default: 8 per uvicorn worker, so that the "
        "connections spread evenly over the workers)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="uvicorn worker processes (default: two per core; each serves one request at a "
        "time, so a second one per core works while the first waits for the database)",
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wargame_bench"
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    parser.add_argument(
        "--websocket-workers",
        type=int,
        default=1,
        help="serve websockets from this many uvicorn workers of their own, as behind a "
        "proxy that routes /ws/ to them (0: the page workers serve them too)",
    )
    parser.add_argument("--redis-db", type=int, default=5, help="a Redis database of its own")
    parser.add_argument("--queries", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--cpu",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure each kind of request's CPU in-process, before the load",
    )
    parser.add_argument("--cpu-requests", type=positive, default=30, help="of each kind")
    parser.add_argument("--engine", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--reports", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--smoke", action="store_true", help="a few players, one turn")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()  # fmt: skip
    if args.smoke:
        args.levels, args.players, args.turns, args.turn_seconds = "1", 1, 1, 6
        args.think, args.deadline_turn, args.throughput_seconds = "0.5,1", False, 3
        args.throughput_users, args.workers, args.redis_db = 2, 1, 6
        args.throughput_rounds = 1
        args.queries = args.engine = args.reports = False
        args.cpu_requests = 2
        if args.database_url.endswith("/wargame_bench"):
            args.database_url += "_smoke"
    levels = [int(n) for n in args.levels.split(",")]
    args.throughput_users = args.throughput_users or 8 * args.workers
    # Stopped (SIGTERM, Ctrl-C): the finally clauses stop every process this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    redis_url = with_redis_db(args.redis_url, args.redis_db)

    work = Path(tempfile.mkdtemp(prefix="wargame-bench-"))
    logs = work / "logs"
    logs.mkdir()
    log(f"work directory {work}")
    ensure_services(args.database_url, redis_url)
    recreate_database(args.database_url)
    flush_redis(redis_url)
    port, bare_port = free_port(), free_port()
    host, bare_host = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    server_env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        # Not persistent: the pool keeps connections between requests (settings.py); with
        # a thread per request, CONN_MAX_AGE > 0 once exhausted PostgreSQL's 100
        # connections with 40 players (README).
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",  # each request's CPU, by view
        "BENCH_VIEW_CPU_DIR": str(work / "view-cpu" / "web"),
    }
    # The in-process steps (data, query counts) run tasks eagerly, without the channel
    # layer; the CPU step puts REDIS_URL back, to cost a request as the web process does.
    local_env = {
        **server_env,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DEADLINE_SWEEPER_THREAD": "false",
        "DJANGO_SETTINGS_MODULE": "wargame.settings",
    }
    local_env.pop("REDIS_URL")
    collecting = None
    if static_is_fresh():
        log("static files are up to date")
    else:
        log("collecting static files (in the background)")
        collecting = subprocess.Popen(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=server_env
        )
    log("migrating the bench database")
    run_python(["manage.py", "migrate", "--noinput", "-v", "0"], server_env)
    # The in-process steps render pages, which name their static files by the manifest.
    if collecting is not None and collecting.wait(timeout=300):
        raise SystemExit("collectstatic failed")

    result: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "settings": {
            k: v for k, v in vars(args).items() if k not in ("out", "database_url", "redis_url")
        },
        "targets": TARGETS,
        "levels": [],
    }
    if args.queries:
        log("counting queries per page view (turn 1 and turn 8)")
        queries_out = str(work / "queries.json")
        run_python(["bench/setup_load.py", "queries", "--out", queries_out], local_env)
        result["queries_per_page_view"] = json.loads((work / "queries.json").read_text())
    else:
        result["queries_per_page_view"] = "skipped"

    if args.cpu:
        log(f"CPU per request, in-process ({args.cpu_requests} of each kind)")
        cpu_env = {**local_env, "REDIS_URL": redis_url}
        cpu_args = ["--requests", str(args.cpu_requests), "--out", str(work / "cpu.json")]
        run_python(["bench/setup_load.py", "cpu", *cpu_args], cpu_env)
        flush_redis(redis_url)  # the simulations its panels queue
        result["cpu_ms_per_request"] = json.loads((work / "cpu.json").read_text())
    else:
        result["cpu_ms_per_request"] = "skipped"

    stack = Stack(logs)
    serve = [PYTHON, "-m", "uvicorn", "--host", "127.0.0.1"]
    serve += ["--lifespan", "off", "--no-access-log", "--log-level", "warning"]
    # Browsers keep a connection open for minutes and send again on one the server closed;
    # locust does neither for a POST, so uvicorn's 5 s default, shorter than a player's
    # think time, turned a chat after a pause into a failed request ("HTTP 0"). 75 s is what
    # a proxy in front (nginx's default) would keep.
    serve += ["--timeout-keep-alive", "75"]
    # As in the Procfile: frames go out as they are, as the pages' HTML does (README).
    serve += ["--ws-per-message-deflate", "false"]
    uvicorn = [*serve, "--workers", str(args.workers)]
    ws_port = free_port() if args.websocket_workers else port
    celery = [PYTHON, "-m", "celery", "-A", "wargame"]
    try:
        stack.start("web", [*uvicorn, "--port", str(port), "wargame.asgi:application"], server_env)
        if args.websocket_workers:
            # As behind a proxy that routes /ws/ to processes of their own.
            ws_args = ["--workers", str(args.websocket_workers), "--port", str(ws_port)]
            ws_env = {**server_env, "BENCH_VIEW_CPU_DIR": str(work / "view-cpu" / "websockets")}
            stack.start("websockets", [*serve, *ws_args, "wargame.asgi:application"], ws_env)
        stack.start(
            "bare",
            [*uvicorn, "--port", str(bare_port), "bench.bare_app:application"],
            {
                **server_env,
                "DJANGO_SETTINGS_MODULE": "bench.settings_bare",
                "BENCH_VIEW_CPU_DIR": str(work / "view-cpu" / "bare"),
            },
        )
        # As in the Procfile: turns are adjudicated and deadlines swept at the pages'
        # priority, since they hold the rows that players' saves wait for; decision-support
        # simulations, which hold none, run only on CPU nothing else wants (the previews
        # worker lowers itself, wargame/core/priority.py).
        celery_worker = [*celery, "worker", "--concurrency", "2", "--loglevel", "WARNING",
                         "--without-gossip", "--without-mingle"]  # fmt: skip
        stack.start(
            "worker", [*celery_worker, "-Q", "celery", "-n", f"bench-{port}@%h"], server_env
        )
        previews = ["-Q", "previews", "-n", f"bench-previews-{port}@%h"]
        stack.start("previews", [*celery_worker, *previews], server_env)
        stack.start(
            "beat",
            [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(work / "beat")],
            server_env,
        )
        wait_http(f"{host}/healthz", stack)
        wait_http(f"http://127.0.0.1:{ws_port}/healthz", stack)
        wait_http(f"{bare_host}/", stack)
        log(f"stack up: app {host}, bare view {bare_host}, Celery workers and beat")

        join = None
        for exercises in levels:
            players = exercises * 4 * args.players
            join = work / f"join-{exercises}.json"
            log(f"level {exercises} exercises: creating {players} players")
            run_python(
                ["bench/setup_load.py", "create", "--exercises", str(exercises),
                 "--players", str(args.players), "--turns", str(max(2, args.turns)),
                 "--turn-minutes", "1",
                 "--decision-support" if args.decision_support else "--no-decision-support",
                 "--out", str(join)],
                local_env,
            )  # fmt: skip
            spawn_rate = max(10, players / 10)
            bound = int(args.turns * (args.turn_seconds + 20) + 60 + players / 10)
            if args.deadline_turn:
                bound += 60
            log(f"level {exercises} exercises: playing (at most {bound} s)")
            started, began = time.monotonic(), time.time()
            cpu_before = cpu_by_part(stack)
            locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            raw = run_locust(
                classes=["Player", "Facilitator"],
                users=players + exercises,
                spawn_rate=spawn_rate,
                run_time=bound,
                host=host,
                join=join,
                out=work / f"play-{exercises}.json",
                mode="play",
                extra_env={
                    "BENCH_WS_HOST": f"127.0.0.1:{ws_port}",
                    "BENCH_SPAWN_RATE": str(spawn_rate),
                    "BENCH_THINK": args.think,
                    "BENCH_TURN_SECONDS": str(args.turn_seconds),
                    "BENCH_PLAY_TURNS": str(args.turns),
                    "BENCH_DEADLINE_TURN": "true" if args.deadline_turn else "false",
                    "BENCH_DECISION_SUPPORT": "true" if args.decision_support else "false",
                    "BENCH_REVIEW_SECONDS": "0.5" if args.smoke else "2",
                    "BENCH_QUIT_DELAY": "2" if args.smoke else "5",
                },
                logs=logs,
            )
            seconds, ended = time.monotonic() - started, time.time()
            cpu = _cpu_since(stack, cpu_before, locust_before)
            stack.check()
            run_python(
                ["bench/setup_load.py", "times", "--join", str(join),
                 "--out", str(work / f"times-{exercises}.json")],
                local_env,
            )  # fmt: skip
            times = json.loads((work / f"times-{exercises}.json").read_text())
            level = level_figures(
                raw, times, exercises=exercises, players=args.players, seconds=seconds
            )
            level["loadavg_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
            level["cpu_seconds"] = {name: round(value, 1) for name, value in cpu.items()}
            level["cpu_cores_available_seconds"] = round(seconds * (os.cpu_count() or 1), 1)
            views = by_view(work / "view-cpu" / "web", began, ended)
            level["web_cpu_by_view"] = views
            level["web_cpu_outside_views_seconds"] = round(
                cpu["web"] - sum(view["cpu_seconds"] for view in views.values()), 1
            )
            result["levels"].append(level)
            log(
                f"level {exercises} exercises: {level['requests_per_second']} req/s, "
                f"{level['errors']} errors"
            )

        result["throughput"] = measure_throughput(args, stack, host, bare_host, join, work, logs)
    finally:
        stack.stop()

    if args.engine:
        log("engine: games per second")
        engine_out = work / "engine.json"
        run_python(
            ["bench/engine_bench.py", "--runs", "1000", "--repeat", "3", "--json", str(engine_out)],
            {**os.environ},
        )
        result["engine"] = json.loads(engine_out.read_text())
    else:
        result["engine"] = "skipped"
    result["reports"] = report_times(args, work) if args.reports else "skipped"
    result["targets_met"] = verdicts(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print_table(result)
    log(f"figures written to {args.out}; logs in {logs}")
    if not args.smoke:
        shutil.rmtree(work / "beat", ignore_errors=True)


def report_times(args, work: Path) -> dict | str:
    script = ROOT / "bench" / "report_bench.py"
    log("AAR build times (bench/report_bench.py)")
    out = work / "reports.json"
    # Its own settings, like the server's without DEBUG: a key of its own is required then.
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)}
    try:
        run_python([str(script), "--json", str(out)], env, timeout=900)
        return json.loads(out.read_text())
    except (SystemExit, OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return f"bench/report_bench.py failed: {exc}"


if __name__ == "__main__":
    main()
