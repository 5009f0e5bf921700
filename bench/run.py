"""`make bench`: the launch benchmark (docs/benchmarks.md), in one run.

Creates a throw-away PostgreSQL database, migrates it, registers the benchmark platform (the Node driver,
which also serves the platform's JWKS) and a tool key; then, for each server — the do-nothing Flask tool
(the floor), a minimal pylti1p3 tool (the baseline) and ours (`wsgi:app`) — starts it under gunicorn
(`-w 2 -k gthread --threads 4`, production config), drives full launches at each load, and reads
the CPU time of its gunicorn processes and of the database's backends from /proc before and after each
measured run. Loads: closed loop at each `--levels` (launches in flight) and an open loop at `--rate` launches a
second on a fixed schedule. One launch runs to the first page the user sees (the driver follows the launch's
redirects as a browser does). Prints one markdown table with ratios to the floor and to pylti1p3 measured in the
same run, then issue 30's launch targets, met or missed. bench/median.py runs the launch part three times.
"""
import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
POSTGRES_ADMIN_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
GUNICORN = ["-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4"]
CLIENT_ID, DEPLOYMENT_ID = "rexvet-bench-tool", "bench-deployment-1"
# Launches per level come from this many learners in this many courses: after the first pass every
# launch updates an existing person, course and membership, as in steady use.
USERS, COURSES = 500, 25


@dataclass
class Server:
    """One tool under test: how gunicorn finds it and where its login and launch live."""

    name: str
    label: str
    app: str
    chdir: Path
    login_path: str
    target_path: str  # the target_link_uri the platform sends (pylti1p3's example redirects to it)
    port: int = 0
    process: subprocess.Popen | None = None
    results: list = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- CPU time from /proc -------------------------------------------------------------------------

def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            # Fields after "(comm)": state, ppid, …; utime, stime, cutime, cstime are 11..14 from there.
            return handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _children(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and int(fields[1]) == pid:
                children.append(int(entry))
    return children


def gunicorn_cpu_seconds(master: int) -> float:
    """utime + stime of the master and its live workers, plus cutime + cstime of workers it has reaped."""
    fields = _stat_fields(master)
    ticks = sum(int(value) for value in fields[11:15])
    for worker in _children(master):
        worker_fields = _stat_fields(worker)
        if worker_fields:
            ticks += int(worker_fields[11]) + int(worker_fields[12])
    return ticks / CLOCK_TICKS


def redis_cpu_seconds() -> float:
    """utime + stime of the machine's Redis server(s): the rate limiter's shared counts live there."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as handle:
                    if handle.read().strip() != "redis-server":
                        continue
            except (FileNotFoundError, ProcessLookupError):
                continue
            fields = _stat_fields(int(entry))
            if fields:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores, from /proc/stat), to show what else ran meanwhile."""
    with open("/proc/stat") as handle:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in handle.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def postgres_backend_cpu(admin: psycopg.Connection, database: str) -> dict[int, float]:
    """utime + stime of every backend connected to the bench database, by pid."""
    pids = [row[0] for row in admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]
    cpu = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return cpu


def worker_memory(master: int) -> list[dict]:
    """Resident and peak resident memory (VmRSS, VmHWM from /proc/<pid>/status) of each gunicorn worker, in MB."""
    workers = []
    for pid in _children(master):
        try:
            with open(f"/proc/{pid}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except FileNotFoundError:
            continue
        workers.append({"pid": pid, "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
                        "hwm_mb": int(fields["VmHWM"].split()[0]) / 1024})
    return workers


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))]


def run_json(env: dict, log_dir: Path, script: str, *arguments: str, timeout: float = 600) -> dict:
    """One of the in-process parts (bench/<script>) in its own process; its last stdout line is its JSON answer."""
    with open(log_dir / f"{script}.log", "w") as log:
        completed = subprocess.run([sys.executable, str(BENCH / script), *arguments], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=log, text=True, timeout=timeout)
    if completed.returncode:
        raise RuntimeError(f"{script} failed:\n" + (log_dir / f"{script}.log").read_text()[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- the driver ------------------------------------------------------------------------------------

class Driver:
    """The Node driver process (bench/driver.mjs), one JSON line per command and per answer."""

    def __init__(self, jwks_port: int):
        self.process = subprocess.Popen(
            ["node", str(BENCH / "driver.mjs"), "--jwks-port", str(jwks_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )
        ready = self._read()
        self.issuer = ready["issuer"]

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the driver stopped (see its stderr above)")
        return json.loads(line)

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        return self._read()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()


# --- database and servers --------------------------------------------------------------------------

def flask_cli(env: dict, log_dir: Path, *arguments: str) -> None:
    with open(log_dir / "setup.log", "a") as log:
        completed = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *arguments], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    if completed.returncode:
        raise RuntimeError(f"flask {' '.join(arguments)} failed:\n" + (log_dir / "setup.log").read_text()[-3000:])


def prepare_database(env: dict, log_dir: Path, issuer: str) -> None:
    """Migrate, make the tool's key, register the bench platform and its deployment (as an admin would)."""
    flask_cli(env, log_dir, "db", "upgrade")
    flask_cli(env, log_dir, "lti", "keys", "ensure")
    registration = {
        "name": "Bench platform", "issuer": issuer, "client_id": CLIENT_ID,
        "auth_login_url": f"{issuer}/auth", "auth_token_url": f"{issuer}/token", "key_set_url": f"{issuer}/jwks/rexvet",
        "allowed_algorithms": ["RS256"], "new_deployment_policy": "hold_pending",
        "deployments": [{"deployment_id": DEPLOYMENT_ID, "organisation": "Bench College"}],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(registration, handle)
    try:
        flask_cli(env, log_dir, "lti", "registration", "import", handle.name)
    finally:
        os.unlink(handle.name)


def start_server(server: Server, env: dict, log_dir: Path) -> None:
    server.port = free_port()
    server_env = {**env, "BASE_URL": server.base_url}
    log = open(log_dir / f"{server.name}.log", "w")
    server.process = subprocess.Popen(
        [sys.executable, *GUNICORN, "--chdir", str(server.chdir), "-b", f"127.0.0.1:{server.port}", server.app],
        cwd=server.chdir, env=server_env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            urllib.request.urlopen(server.base_url + "/", timeout=1)
            return
        except urllib.error.HTTPError:  # any HTTP answer means a worker is serving
            return
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"{server.label} did not start; see {log_dir / (server.name + '.log')}:\n"
                       + (log_dir / f"{server.name}.log").read_text()[-3000:])


def stop_server(server: Server) -> None:
    if server.process and server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def loads(args) -> list[dict]:
    """The launch part's loads, in order: each closed-loop level (launches in flight), then the open-loop rate."""
    closed = [{"concurrency": level, "load": f"{level} in flight"} for level in args.levels]
    return closed + ([{"rate": args.rate, "load": f"{args.rate:g}/s"}] if args.rate else [])


def measure(server: Server, driver: Driver, admin, database: str, args) -> None:
    target = {
        "name": server.name, "login_url": server.base_url + server.login_path,
        "target_link_uri": server.base_url + server.target_path,
        "client_id": CLIENT_ID, "deployment_id": DEPLOYMENT_ID, "users": USERS, "courses": COURSES,
    }
    for load in loads(args):
        shape = {key: value for key, value in load.items() if key != "load"}
        driver.ask(cmd="run", target=target, **shape, seconds=args.warmup, max_launches=10**9)
        tool_before, pg_before = gunicorn_cpu_seconds(server.process.pid), postgres_backend_cpu(admin, database)
        busy_before, redis_before = machine_busy_seconds(), redis_cpu_seconds()
        result = driver.ask(cmd="run", target=target, **shape, seconds=args.seconds, max_launches=args.max_launches)
        busy_after, redis_after = machine_busy_seconds(), redis_cpu_seconds()
        tool_after, pg_after = gunicorn_cpu_seconds(server.process.pid), postgres_backend_cpu(admin, database)
        gone = set(pg_before) - set(pg_after)
        result["load"] = load["load"]
        result["tool_cpu_s"] = tool_after - tool_before
        # A backend born during the run counts whole; one that left during it is lost (and reported).
        result["pg_cpu_s"] = sum(cpu - pg_before.get(pid, 0.0) for pid, cpu in pg_after.items())
        result["pg_backends_lost"] = len(gone)
        result["redis_cpu_s"] = redis_after - redis_before
        # Everything else the machine did meanwhile (other processes, PostgreSQL's own background work):
        # on a quiet machine this stays near zero; when it does not, every figure of the level is disturbed.
        result["other_cpu_s"] = (
            (busy_after - busy_before) - result["tool_cpu_s"] - result["pg_cpu_s"] - result["redis_cpu_s"]
            - result["driver_cpu_s"]
        )
        server.results.append(result)
        open_loop = (f"  late starts {result['late_starts']}, in flight at the end {result['in_flight_at_end']}"
                     if "rate" in load else "")
        print(f"  {server.label:<10} {load['load']:<13} {result['launches']:>6} launches "
              f"{result['launches'] / result['wall_s']:7.1f}/s  redirects {_redirects(result['redirects'])}  "
              f"errors {result['errors']}{open_loop}"
              + (f"  {result['error_reasons']}" if result["errors"] else ""), file=sys.stderr, flush=True)


def forget_redis_keys(url: str, prefix: str) -> None:
    """The run's keys (nonces, key set, rate-limit counts), matched by `prefix`, leave Redis with it."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)


def count_rows(database_url: str) -> dict:
    """What the launches left in the database: proof that they were real, complete launches."""
    with psycopg.connect(database_url) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # fixed names, no input
            for table in ("lti_launches", "people", "courses", "memberships", "lti_spent_logins", "cache_entries")
        }


def statement_counts(log_dir: Path) -> str:
    """The counts bench/counted_wsgi.py's workers wrote, summed, per request of each endpoint."""
    total: dict[str, int] = {}
    for path in log_dir.glob("*.json"):
        for key, count in json.loads(path.read_text()).items():
            total[key] = total.get(key, 0) + count
    lines = ["| endpoint | what | per request |", "|---|---|---:|"]
    for key in sorted(total):
        endpoint, what = key.split(" ", 1)
        requests = total.get(f"{endpoint} requests")
        if what != "requests" and requests:
            lines.append(f"| {endpoint} | {what} | {total[key] / requests:.2f} |")
    return "\n".join(lines)


# --- the table ------------------------------------------------------------------------------------

def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _redirects(counts: dict) -> str:
    """Redirects per launch, from the launch POST's answer to the first page: "1", or each count with its share."""
    total = sum(counts.values())
    if not total:
        return "–"
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{hops} ({100 * n / total:.0f} %)" for hops, n in sorted(counts.items(), key=lambda i: int(i[0])))


def _cpu_ms(result: dict) -> float:
    return 1000 * result["tool_cpu_s"] / (result["launches"] or 1)


def _p95(result: dict) -> float | None:
    return result["latencies_ms"]["p95"]


def _ratio(ours: dict | None, base: dict | None, metric) -> float | None:
    if not ours or not base or metric(ours) is None or not metric(base):
        return None
    return metric(ours) / metric(base)


def _times(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def table(servers: list[Server], jwks: dict) -> str:
    floor = {result["load"]: result for result in servers[0].results}
    pylti = {result["load"]: result for server in servers if server.name == "pylti1p3" for result in server.results}
    lines = [
        "| tool | load | launches | launches/s | p50 ms | p95 ms | p99 ms | errors | redirects | tool CPU ms/launch "
        "| PG CPU ms/launch | Redis CPU ms/launch | CPU ÷ pylti1p3 | p95 ÷ pylti1p3 | CPU ÷ floor | launches/s ÷ floor "
        "| late starts / in flight at end | driver CPU | other CPU | JWKS fetches |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for server in servers:
        for result in server.results:
            launches = result["launches"] or 1
            rate = result["launches"] / result["wall_s"]
            tool_ms = _cpu_ms(result)
            pg_ms = 1000 * result["pg_cpu_s"] / launches
            redis_ms = 1000 * result.get("redis_cpu_s", 0.0) / launches
            base = floor[result["load"]]
            base_ms = 1000 * (base["tool_cpu_s"] + base["pg_cpu_s"]) / (base["launches"] or 1)
            base_rate = base["launches"] / base["wall_s"]
            latency = result["latencies_ms"]
            open_loop = f"{result['late_starts']} / {result['in_flight_at_end']}" if "late_starts" in result else "–"
            lines.append(
                f"| {server.label} | {result['load']} | {result['launches']} | {rate:.0f} "
                f"| {_ms(latency['p50'])} | {_ms(latency['p95'])} | {_ms(latency['p99'])} | {result['errors']} "
                f"| {_redirects(result.get('redirects', {}))} "
                f"| {tool_ms:.2f} | {pg_ms:.2f} | {redis_ms:.2f} "
                f"| {_times(_ratio(result, pylti.get(result['load']), _cpu_ms))} "
                f"| {_times(_ratio(result, pylti.get(result['load']), _p95))} "
                f"| {(tool_ms + pg_ms) / base_ms:.2f}× | {100 * rate / base_rate:.0f} % | {open_loop} "
                f"| {100 * result['driver_cpu_s'] / result['wall_s']:.0f} % "
                f"| {100 * max(result['other_cpu_s'], 0) / result['wall_s']:.0f} % "
                f"| {jwks.get(server.name, 0) if result is server.results[-1] else ''} |"
            )
    return "\n".join(lines)


# The launch targets of issue 30, against the pylti1p3 minimal tool measured in the same run.
CPU_VS_PYLTI, P95_VS_PYLTI = 2.0, 1.5
FACTS_PYLTI_CPU_MS = (3.2 * 0.7, 3.4 * 1.3)  # ../shared/FACTS.md's 3.2–3.4 ms at 8 in flight, ± 30 %: 2.24–4.42 ms


def _sustained(label: str, result: dict, unloaded: dict | None) -> str:
    """Whether a tool kept up with the open loop's schedule, or queued: no errors, and no more launches in flight
    when the schedule ended than Little's law gives for its unloaded latency (rate × its p50 at 1 in flight), twice
    over, plus one. A tool that queued is measured on its queue: its p95 then says "overloaded", not only "slow"."""
    unloaded_p50 = (unloaded or {}).get("latencies_ms", {}).get("p50") or 0
    allowed = 1 + 2 * result["rate"] * unloaded_p50 / 1000
    kept_up = not result["errors"] and result["in_flight_at_end"] <= allowed
    return (f"{label} {'kept up' if kept_up else 'queued'} ({result['launches'] / result['wall_s']:.0f}/s "
            f"achieved, {result['in_flight_at_end']} in flight at the schedule's end, ≤ {allowed:.0f} if keeping up)")


def launch_targets(servers: list[Server], jwks: dict, args) -> list[dict]:
    """Each target: its text, the measured value (a ratio, or ms, or a count), met (None: not measured), detail.
    A target with bounds ("low"/"high", either may be None) is judged on its value, so bench/median.py can judge
    the median of several runs; one without them (redirects, errors, JWKS) must hold in every run."""
    results = {server.name: {result["load"]: result for result in server.results} for server in servers}
    ours, pylti = results.get("rexvet", {}), results.get("pylti1p3", {})
    fixed = f"{args.rate:g}/s" if args.rate else None
    targets = []

    def ratio_target(key: str, text: str, load: str | None, metric, bound: float, unit: str) -> None:
        value = _ratio(ours.get(load), pylti.get(load), metric) if load else None
        detail = "not measured (needs ours and pylti1p3 at this load)"
        if value is not None:
            mine, theirs = metric(ours[load]), metric(pylti[load])
            detail = f"{value:.2f}× ({mine:.2f} vs {theirs:.2f} {unit})"
            if metric is _cpu_ms:
                launches = ours[load]["launches"] or 1
                detail += (f"; our PostgreSQL backends {1000 * ours[load]['pg_cpu_s'] / launches:.2f} ms and Redis "
                           f"{1000 * ours[load].get('redis_cpu_s', 0.0) / launches:.2f} ms beside")
            if "rate" in ours[load]:
                detail += "; " + "; ".join(_sustained(label, results[name][load], results[name].get("1 in flight"))
                                           for name, label in (("rexvet", "ours"), ("pylti1p3", "pylti1p3")))
        targets.append({"key": key, "text": text, "value": value, "unit": "×", "low": None, "high": bound,
                        "met": None if value is None else value <= bound, "detail": detail})

    ratio_target("cpu_8", f"launch tool CPU ≤ {CPU_VS_PYLTI:g}× pylti1p3's, 8 in flight", "8 in flight", _cpu_ms,
                 CPU_VS_PYLTI, "ms")
    ratio_target("cpu_rate", f"launch tool CPU ≤ {CPU_VS_PYLTI:g}× pylti1p3's, fixed rate {fixed or '(off)'}",
                 fixed, _cpu_ms, CPU_VS_PYLTI, "ms")
    ratio_target("p95_1", f"p95 ≤ {P95_VS_PYLTI:g}× pylti1p3's, 1 in flight", "1 in flight", _p95, P95_VS_PYLTI, "ms")
    ratio_target("p95_rate", f"p95 ≤ {P95_VS_PYLTI:g}× pylti1p3's, fixed rate {fixed or '(off)'}", fixed, _p95,
                 P95_VS_PYLTI, "ms")

    low, high = FACTS_PYLTI_CPU_MS
    base = pylti.get("8 in flight")
    value = _cpu_ms(base) if base else None
    others = ", ".join(f"{load} {_cpu_ms(result):.2f}" for load, result in pylti.items() if load != "8 in flight")
    targets.append({"key": "pylti_cpu", "text": f"pylti1p3 CPU per launch at 8 in flight within 30 % of FACTS' "
                    f"3.2–3.4 ms ({low:.2f}–{high:.2f} ms)", "value": value, "unit": "ms", "low": low, "high": high,
                    "met": None if value is None else low <= value <= high,
                    "detail": "not measured" if value is None else f"{value:.2f} ms" + (f" (at {others})" if others
                                                                                        else "")})

    counts: dict[str, int] = {}
    for result in ours.values():
        for hops, launches in result["redirects"].items():
            counts[hops] = counts.get(hops, 0) + launches
    total = sum(counts.values())
    targets.append({"key": "redirects", "text": "redirects per launch = 1 for every launch of ours (measured runs)",
                    "value": counts.get("1", 0) / total if total else None, "unit": "share",
                    "met": None if not total else set(counts) == {"1"},
                    "detail": "not measured" if not total else f"{_redirects(counts)} over {total} launches"})

    errors = {server.label: sum(result["errors"] for result in server.results) for server in servers}
    targets.append({"key": "errors", "text": "errors 0 (every tool, every measured load)",
                    "value": sum(errors.values()), "unit": "", "met": not sum(errors.values()),
                    "detail": ", ".join(f"{label} {count}" for label, count in errors.items())})

    fetches = jwks.get("rexvet") if ours else None
    targets.append({"key": "jwks", "text": "JWKS fetched once per key set (one key set in a run)", "value": fetches,
                    "unit": "", "met": None if fetches is None else fetches == 1,
                    "detail": "not measured" if fetches is None else f"ours: {fetches} (pylti1p3: "
                                                                     f"{jwks.get('pylti1p3', 0)}, once per launch)"})
    return targets


def _met(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def targets_table(targets: list[dict]) -> str:
    lines = ["| target | measured | |", "|---|---|---|"]
    lines += [f"| {target['text']} | {target['detail']} | {_met(target['met'])} |" for target in targets]
    return "\n".join(lines)


# --- the other parts: memory, pages, grade passback, badges -----------------------------------------

MEMORY_TARGET_MB, PAGES_TARGET, PASSBACK_TARGET_S, BADGES_TARGET_S = 150, 3.0, 10.0, 20.0
SKILLS_MAP_COLD_TARGET_MS = 100.0


def memory_part(server: Server, driver: Driver, env: dict, log_dir: Path, args) -> str:
    """Our tool, freshly started, after `--memory-launches` launches at 8 in flight: each worker's RSS."""
    start_server(server, env, log_dir)
    try:
        before = worker_memory(server.process.pid)
        target = {
            "name": server.name + "-memory", "login_url": server.base_url + server.login_path,
            "target_link_uri": server.base_url + server.target_path,
            "client_id": CLIENT_ID, "deployment_id": DEPLOYMENT_ID, "users": USERS, "courses": COURSES,
        }
        result = driver.ask(cmd="run", target=target, concurrency=8, seconds=args.memory_seconds,
                            max_launches=args.memory_launches)
        after = worker_memory(server.process.pid)
    finally:
        stop_server(server)
    print(f"  memory: {result['launches']} launches, errors {result['errors']}", file=sys.stderr, flush=True)
    worst = max((worker["rss_mb"] for worker in after), default=0)
    lines = [f"### Memory per gunicorn worker after {result['launches']:,} launches (8 in flight, "
             f"{result['errors']} errors; target < {MEMORY_TARGET_MB} MB)\n",
             "| worker | RSS at start MB | RSS after MB | peak RSS MB |", "|---|---:|---:|---:|"]
    start_rss = {worker["pid"]: worker["rss_mb"] for worker in before}
    for number, worker in enumerate(after, 1):
        lines.append(
            f"| {number} | {start_rss.get(worker['pid'], 0):.0f} | {worker['rss_mb']:.0f} | {worker['hwm_mb']:.0f} |"
        )
    if result["launches"] < args.memory_launches:  # the time bound came first: the target speaks of all of them
        lines.append(f"\nTarget **not judged**: {result['launches']:,} of {args.memory_launches:,} launches within "
                     f"--memory-seconds ({args.memory_seconds:g} s); largest worker {worst:.0f} MB.")
    else:
        lines.append(f"\nTarget {'met' if worst < MEMORY_TARGET_MB else '**missed**'}: largest worker {worst:.0f} MB.")
    return "\n".join(lines)


def pages_part(server: Server, env: dict, log_dir: Path, args) -> str:
    """Generated organisation, then each page timed over one keep-alive connection, interleaved, vs the 404 page."""
    import http.client

    seed = run_json(env, log_dir, "pages_seed.py", "--staff", str(args.pages_staff))
    bad = {name: status for name, status in seed["statuses"].items() if status != (404 if name == "trivial" else 200)}
    if bad:
        raise RuntimeError(f"pages answered unexpectedly (the seed's test client): {bad}")
    start_server(server, env, log_dir)
    times: dict[str, list[float]] = {name: [] for name in seed["urls"]}
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        deadline = time.monotonic() + args.pages_seconds
        for round_number in range(args.pages_rounds + args.pages_warmup):
            if time.monotonic() > deadline:
                break
            for name, url in seed["urls"].items():
                began = time.perf_counter()
                connection.request("GET", url)
                response = connection.getresponse()
                response.read()
                elapsed = 1000 * (time.perf_counter() - began)
                if response.status != (404 if name == "trivial" else 200):
                    raise RuntimeError(f"{name} answered {response.status} under gunicorn")
                if round_number >= args.pages_warmup:
                    times[name].append(elapsed)
        cold = _cold_skills_map(connection, env, seed["urls"]["skills_map"], args)
        connection.close()
    finally:
        stop_server(server)
    trivial50, trivial95 = percentile(times["trivial"], 50), percentile(times["trivial"], 95)
    labels = {"trivial": "trivial template page (the 404 page, same launch token)",
              "path": "path page (a learner of the course, after a launch)",
              "section": "module section page (visit recorded, committed)",
              "dashboard": f"instructor dashboard ({seed['course_members']}-member course)",
              "skills_map": f"skills map ({seed['staff']:,} staff), from the cache (warm)"}
    lines = [f"### Pages: our tool under gunicorn, one keep-alive client, pages interleaved, {len(times['trivial'])} "
             f"timed rounds after {args.pages_warmup} warm-up rounds (target ≤ {PAGES_TARGET:g}× the trivial page)\n",
             "| page | p50 ms | p95 ms | p50 ÷ trivial | p95 ÷ trivial | SQL statements | met? |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, values in times.items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        ratio50, ratio95 = p50 / trivial50, p95 / trivial95
        met = "" if name == "trivial" else ("yes" if ratio50 <= PAGES_TARGET and ratio95 <= PAGES_TARGET else "**no**")
        lines.append(f"| {labels[name]} | {p50:.1f} | {p95:.1f} | {ratio50:.2f}× | {ratio95:.2f}× "
                     f"| {seed['queries'][name]} | {met} |")
    lines += [f"\n#### Skills map cold: the organisation's cached reports emptied before each request, "
              f"{args.pages_cold_rounds} rounds after the warm ones and {args.pages_cold_warmup} untimed cold one(s) "
              f"(target ≤ {SKILLS_MAP_COLD_TARGET_MS:g} ms)\n",
              "| view | p50 ms | p95 ms | max ms | met? |", "|---|---:|---:|---:|---|"]
    for label, values in cold.items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        met = "yes" if p50 <= SKILLS_MAP_COLD_TARGET_MS and p95 <= SKILLS_MAP_COLD_TARGET_MS else "**no**"
        lines.append(f"| {label} | {p50:.1f} | {p95:.1f} | {max(values):.1f} | {met} |")
    return "\n".join(lines)


def _previous_month(today: date, months: int) -> str:
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12}-{index % 12 + 1:02d}"


def _forget_skills_maps(env: dict) -> None:
    """Empty the shared cache of skills map reports (as a change of the figures leaves it for the next reader)."""
    url = env["SHARED_CACHE_URL"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        forget_redis_keys(url, env["SHARED_CACHE_PREFIX"] + "reports:skills-map:")
        return
    with psycopg.connect(env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1),
                         autocommit=True) as connection:
        connection.execute("DELETE FROM cache_entries WHERE key LIKE 'reports:skills-map:%'")


def _cold_skills_map(connection, env: dict, url: str, args) -> dict[str, list[float]]:
    """The skills map with no cached report: the default page, its percent view, and a comparison with the month
    three months back (month and quarter comparisons: four maps and two movements), each round emptying the cache."""
    compare = _previous_month(date.today(), 3)
    views = {"default page (`/reports/skills-map`)": url, "percent view (`view=percent`)": url + "&view=percent",
             f"with comparison (`compare={compare}`: months and quarters)": url + f"&compare={compare}"}
    times: dict[str, list[float]] = {label: [] for label in views}
    # The first cold rounds are not timed: a process builds and compiles the report's statements once in its life
    # (about 30 ms), which is no reader's cold map but the process's start.
    for round_number in range(args.pages_cold_warmup + args.pages_cold_rounds):
        for label, view in views.items():
            _forget_skills_maps(env)
            began = time.perf_counter()
            connection.request("GET", view)
            response = connection.getresponse()
            response.read()
            elapsed = 1000 * (time.perf_counter() - began)
            if response.status != 200:
                raise RuntimeError(f"skills map {view} answered {response.status} under gunicorn")
            if round_number >= args.pages_cold_warmup:
                times[label].append(elapsed)
    return times


def passback_part(env: dict, log_dir: Path, args) -> str:
    result = run_json(env, log_dir, "passback_bench.py", "--scores", str(args.scores),
                      "--workers", str(args.passback_workers), "--timeout", str(args.passback_timeout))
    rate = result["scores"] / result["seconds"] if result["seconds"] else 0
    first = result["first_sent_s"] or 0.0
    drain_rate = result["scores"] / (result["seconds"] - first) if result["seconds"] > first else 0
    met = (
        result["left"] == 0 and result["seconds"] < PASSBACK_TARGET_S and result["token_requests"] <= result["workers"]
    )
    lines = [f"### Grade passback: {result['scores']:,} queued scores drained by {result['workers']} `flask worker` "
             f"processes against a local fake AGS (target: under {PASSBACK_TARGET_S:g} s, one token per lifetime)\n",
             "| scores | workers' start → all sent, s | scores/s | of which start-up → first sent, s "
             "| scores/s after the first | left unsent | arrivals at the LMS | token requests | met? |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
             f"| {result['scores']} | {result['seconds']:.1f} | {rate:.0f} | {first:.1f} | {drain_rate:.0f} "
             f"| {result['left']} | {result['arrivals']} "
             f"| {result['token_requests']} (lifetime {result['token_lifetime_s']} s) | {'yes' if met else '**no**'} |"]
    if result["worker_stderr"]:
        lines.append("\nA worker's stderr (tail): `" + result["worker_stderr"][0].strip().splitlines()[-1][:300] + "`")
    return "\n".join(lines)


def badges_part(env: dict, log_dir: Path, args) -> str:
    """bench/badges_bench.py: `flask badges reevaluate` for --awards people, one badge due to each, end to end."""
    arguments = ["--people", str(args.awards), "--single", str(args.single_awards), "--baked", str(args.baked),
                 "--seconds", str(args.badges_seconds)]
    if args.badges_workers:
        arguments += ["--workers", str(args.badges_workers)]
    if args.profile_badges:
        arguments += ["--profile", args.profile_badges]
    result = run_json(env, log_dir, "badges_bench.py", *arguments)
    people, seconds, bare, signs = (result["people"], result["reevaluation_seconds"], result["bare_sign_seconds"],
                                    result["bare_signs"])
    checked, floor, single = result["checked"], result["commit_floor"], result["single"]
    cpu = result["reevaluation_cpu_seconds"] + result["workers_cpu_seconds"]
    floor_ms = 1000 * floor["seconds"] / max(floor["transactions"], 1)
    bare_ms = 1000 * bare / max(signs, 1)
    at_10000 = seconds * 10000 / people
    single_ms = 1000 * single["seconds"] / max(single["awards"], 1)
    workers = result["workers"] or "the command's default"
    lines = [
        f"### Badges: `flask badges reevaluate` for {people:,} people, one badge due to each (OB 3.0 VC-JWT signed "
        f"and stored with its status-list index, every batch committed; workers: {workers}) against a bare RS256 "
        f"signing loop (target: 10,000 in under {BADGES_TARGET_S:g} s)\n",
        "| loop | count | seconds | per second | ms each | ÷ bare signing | met? |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| bare signing (one process, key loaded once, claims built) | {signs} | {bare:.1f} | {signs / bare:.0f} "
        f"| {bare_ms:.2f} | 1.00× | |",
        f"| re-evaluation, end to end | {checked['awards']} | {seconds:.1f} | {people / seconds:.0f} "
        f"| {1000 * seconds / people:.2f} | {seconds / bare:.2f}× "
        f"| {'yes' if at_10000 < BADGES_TARGET_S else '**no**'} (10,000 at this rate: {at_10000:.1f} s) |",
        f"| single completion: `award_badge` + COMMIT, one transaction per award (information) | {single['awards']} "
        f"| {single['seconds']:.1f} | {single['awards'] / max(single['seconds'], 1e-9):.0f} | {single_ms:.2f} "
        f"| {single_ms / bare_ms:.2f}× | |",
        f"| the database's floor: a one-row INSERT + durable COMMIT per transaction | {floor['transactions']} "
        f"| {floor['seconds']:.1f} | {floor['transactions'] / floor['seconds']:.0f} | {floor_ms:.2f} "
        f"| {floor_ms / bare_ms:.2f}× | |",
        f"\nChecked in the database after the re-evaluation: {checked['awards']:,} awards, {checked['with_vc_jwt']:,} "
        f"with their VC-JWT, {checked['distinct_status_indexes']:,} distinct status indexes, "
        f"{checked['distinct_people']:,} people; {checked['verified_sample']} VC-JWTs verified with the "
        f"organisation's public key. SQL statements of the bench process in the re-evaluation: "
        f"{result['statements']:,} (its worker processes' not counted). CPU of the command: "
        f"{result['reevaluation_cpu_seconds']:.1f} s in its own process, {result['workers_cpu_seconds']:.1f} s in its "
        f"workers, {1000 * cpu / people:.2f} ms per award (PostgreSQL's not included); the whole machine was "
        f"{100 * result['machine_busy']:.0f} % busy meanwhile (all cores, anyone's). "
        f"Baking (lazy, on first download), per image, {result['baked_sample']} awards each:\n",
        "| image | p50 ms | max ms |",
        "|---|---:|---:|",
    ]
    for kind, figures in result["baking"].items():
        lines.append(f"| {kind} | {figures['p50_ms']:.1f} | {figures['max_ms']:.1f} |")
    return "\n".join(lines)


def assessment_part(env: dict, log_dir: Path, args) -> str:
    """bench/assessment.py: in-process on its own throw-away SQLite file (the bench database is not used). A module
    breaking a bound is reported in the table (exit 1 of the script), not a failure of the run."""
    with open(log_dir / "assessment.py.log", "w") as log:
        completed = subprocess.run([sys.executable, str(BENCH / "assessment.py"), "--json",
                                    "--seeds", str(args.assessment_seeds)], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=log, text=True, timeout=900)
    if completed.returncode not in (0, 1) or not completed.stdout.strip():
        raise RuntimeError("assessment.py failed:\n" + (log_dir / "assessment.py.log").read_text()[-3000:])
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    broken = [row["module"] for row in result["rows"] if not row["ok"]]
    return (f"### Assessment: a random guesser and a remembering bot per module, {result['seeds']} seeds each "
            f"({result['seconds']:.0f} s; bounds: guesser ≤ 5 %, bot's median ≥ 3 attempts and ≥ the module's "
            "minutes)\n\n" + result["table"]
            + ("\n\nBreaking a bound: " + ", ".join(broken) if broken else "\n\nEvery module within the bounds."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=lambda text: [int(n) for n in text.split(",")], default=[1, 8],
                        help="closed-loop loads: launches in flight at once, comma-separated")
    parser.add_argument("--rate", type=float, default=40.0,
                        help="the open-loop load: launches started per second on a fixed schedule (0: none)")
    parser.add_argument("--summary-json", metavar="FILE",
                        help="write the launch targets (and the table) as JSON to FILE, for bench/median.py")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured launches before each level")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per level (at most)")
    parser.add_argument("--max-launches", type=int, default=20000, help="measured launches per level (at most)")
    parser.add_argument("--servers", default="floor,pylti1p3,rexvet")
    parser.add_argument("--keep-logs", action="store_true", help="keep the gunicorn logs (their directory is printed)")
    parser.add_argument(
        "--shared-cache",
        default="redis://127.0.0.1:6379/0",
        metavar="URL",
        help="our tool's SHARED_CACHE_URL: Redis, as docs/deploy.md sets production up (the default), or database "
        "(the embedded default config); Redis's CPU is printed beside",
    )
    parser.add_argument(
        "--rate-limit-storage",
        default="redis://127.0.0.1:6379/0",
        metavar="URL",
        help="our tool's RATELIMIT_STORAGE_URI: a Redis, as production requires (memory:// only where there is none)",
    )
    parser.add_argument(
        "--count-statements",
        action="store_true",
        help="diagnosis: run our tool as bench/counted_wsgi.py and print its SQL round trips per launch",
    )
    parser.add_argument("--parts", default="launch,memory,pages,passback,badges,assessment",
                        help="which parts to run, comma-separated (launch, memory, pages, passback, badges, "
                             "assessment)")
    parser.add_argument("--memory-launches", type=int, default=10000)
    parser.add_argument("--memory-seconds", type=float, default=400,
                        help="the memory run's time bound (fewer launches than --memory-launches: not judged)")
    parser.add_argument("--pages-staff", type=int, default=5000)
    parser.add_argument("--pages-rounds", type=int, default=60)
    parser.add_argument("--pages-warmup", type=int, default=5)
    parser.add_argument("--pages-seconds", type=float, default=60, help="the pages timing's time bound")
    parser.add_argument("--pages-cold-warmup", type=int, default=1,
                        help="untimed cold rounds first (the process compiles the report's statements once)")
    parser.add_argument("--pages-cold-rounds", type=int, default=20,
                        help="skills map requests with its cached reports emptied first, per view (20: the p95 is "
                        "the second slowest, not the slowest as with 10)")
    parser.add_argument("--scores", type=int, default=1000)
    parser.add_argument("--passback-workers", type=int, default=2)
    parser.add_argument("--passback-timeout", type=float, default=90)
    parser.add_argument("--awards", type=int, default=10000, help="people `flask badges reevaluate` awards a badge")
    parser.add_argument("--single-awards", type=int, default=1000,
                        help="awards of the single-completion loop (one transaction each; information)")
    parser.add_argument("--badges-workers", type=int, default=None,
                        help="`flask badges reevaluate --workers` (default: the command's own)")
    parser.add_argument("--badges-seconds", type=float, default=120,
                        help="the single-completion loop's time bound")
    parser.add_argument("--baked", type=int, default=10, help="awards whose four baked images are timed")
    parser.add_argument("--profile-badges", metavar="FILE",
                        help="write a cProfile of the re-evaluation to FILE (the bench process only: use it with "
                             "--badges-workers 1 to see all the work)")
    parser.add_argument("--assessment-seeds", type=int, default=20, help="remembering-bot runs per module")
    args = parser.parse_args()
    parts = args.parts.split(",")
    unknown = set(parts) - {"launch", "memory", "pages", "passback", "badges", "assessment"}
    if unknown:
        parser.error(f"unknown parts {', '.join(sorted(unknown))}: choose among launch, memory, pages, passback, "
                     "badges, assessment")

    all_servers = {
        "floor": Server("floor", "floor", "floor_tool:app", BENCH, "/login", "/launch"),
        "pylti1p3": Server("pylti1p3", "pylti1p3", "pylti1p3_tool:app", BENCH, "/login/", "/launch/"),
        "rexvet": Server("rexvet", "REX VET", "wsgi:app", ROOT, "/lti/login", "/lti/launch"),
    }
    if args.count_statements:
        all_servers["rexvet"].app, all_servers["rexvet"].chdir = "counted_wsgi:app", BENCH
    names = args.servers.split(",")
    if names[0] != "floor":
        parser.error("the floor comes first: every ratio is to the floor measured in the same run")
    servers = [all_servers[name] for name in names]

    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    database = f"rexvet_bench_{secrets.token_hex(4)}"
    database_url = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0] + "/" + database
    log_dir = Path(tempfile.mkdtemp(prefix="rexvet-bench-"))
    jwks_port = free_port()
    admin = psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True)
    driver = None
    try:
        admin.execute(f'CREATE DATABASE "{database}"')
        driver = Driver(jwks_port)
        env = {
            **os.environ,
            "APP_ENV": "production", "ALLOW_LOOPBACK_HTTP": "1", "LMS_PRIVATE_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": secrets.token_urlsafe(48), "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": database_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "BASE_URL": "http://127.0.0.1:5000",  # replaced per server
            "LOG_LEVEL": "WARNING",
            "LTI_RATE_LIMIT": "1000000 per minute", "BADGE_RATE_LIMIT": "1000000 per minute",  # docs/security.md
            "BENCH_ISSUER": driver.issuer, "BENCH_CLIENT_ID": CLIENT_ID, "BENCH_DEPLOYMENT_ID": DEPLOYMENT_ID,
            "BENCH_AUTH_URL": f"{driver.issuer}/auth", "BENCH_JWKS_URL": f"{driver.issuer}/jwks/pylti1p3",
            "PYTHONPATH": str(ROOT), "BENCH_COUNTS_DIR": str(log_dir),
            "SHARED_CACHE_URL": args.shared_cache, "SHARED_CACHE_PREFIX": f"{database}:",
            # As production must (app/config.py refuses memory:// there): one Redis for every web process's counts.
            "RATELIMIT_STORAGE_URI": args.rate_limit_storage, "RATELIMIT_KEY_PREFIX": f"{database}-limits",
        }
        launch_part = "launch" in parts
        prepare_database(env, log_dir, driver.issuer)
        print(f"bench: database {database}, platform {driver.issuer}, logs {log_dir}", file=sys.stderr)
        for server in servers if launch_part else []:
            start_server(server, env, log_dir)
            try:
                measure(server, driver, admin, database, args)
            finally:
                stop_server(server)
        jwks = driver.ask(cmd="jwks")["fetches"]
        rows = count_rows(database_url) if launch_part and "rexvet" in names else None
        statements = statement_counts(log_dir) if args.count_statements and launch_part else None
        # Each part prints its table as soon as it ends: a long run interrupted keeps what it measured.
        print(f"\n## Benchmark, {date.today().isoformat()}: {os.cpu_count()} cores, gunicorn "
              f"{' '.join(GUNICORN[2:])}, load average before the run {load_before}", flush=True)
        if launch_part:
            print(f"\n### Launch: {args.warmup:g} s warm-up + ≤ {args.seconds:g} s (≤ {args.max_launches} launches) "
                  f"per load (closed loop at {', '.join(map(str, args.levels))} in flight"
                  + (f", open loop at {args.rate:g} launches/s" if args.rate else "")
                  + f"), our shared cache: {args.shared_cache}, rate limits counted in {args.rate_limit_storage}\n")
            print(table(servers, jwks))
            targets = launch_targets(servers, jwks, args)
            print("\n#### Launch targets (issue 30), ours against pylti1p3 in this run\n")
            print(targets_table(targets), flush=True)
            if args.summary_json:
                Path(args.summary_json).write_text(json.dumps({"targets": targets, "table": table(servers, jwks)}))
        if rows:
            print(
                "\nRows written by REX VET's launches: " + ", ".join(f"{name} {count}" for name, count in rows.items())
            )
        if statements:
            print("\nSQL round trips of our tool, per request of each endpoint (`--count-statements`):\n")
            print(statements, flush=True)
        ours = Server("rexvet", "REX VET", "wsgi:app", ROOT, "/lti/login", "/lti/launch")
        for part, run_part in (("memory", lambda: memory_part(ours, driver, env, log_dir, args)),
                               ("pages", lambda: pages_part(ours, env, log_dir, args)),
                               ("passback", lambda: passback_part(env, log_dir, args)),
                               ("badges", lambda: badges_part(env, log_dir, args)),
                               ("assessment", lambda: assessment_part(env, log_dir, args))):
            if part in parts:
                began = time.monotonic()
                print(f"bench: {part} …", file=sys.stderr, flush=True)
                print("\n" + run_part(), flush=True)
                print(f"bench: {part} took {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    finally:
        if driver:
            driver.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        if args.shared_cache != "database":
            forget_redis_keys(args.shared_cache, f"{database}:")
        if args.rate_limit_storage.startswith("redis://"):
            forget_redis_keys(args.rate_limit_storage, f"*{database}-limits")
        if not args.keep_logs:
            for log in list(log_dir.iterdir()):
                log.unlink()
            log_dir.rmdir()

    errors = sum(result["errors"] for server in servers for result in server.results)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
