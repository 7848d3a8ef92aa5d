"""Shared pieces of the benchmarks: a served instance and a load driver."""
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GATE = str(Path(sys.executable).with_name("gate"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gate_cli(env: dict, *args: str, stdin: str | None = None, progress: bool = False) -> str:
    """Run `gate ...` as a user would and return its standard output.

    With `progress`, its standard error (where `gate import` draws its progress bar) goes to ours."""
    done = subprocess.run([GATE, *args], env=env, input=stdin, stdout=subprocess.PIPE,
                          stderr=None if progress else subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"gate {' '.join(args)} failed:\n{done.stderr or ''}")
    return done.stdout


def prepare_database(url: str) -> None:
    """The schema at the newest revision, so `gate serve` has nothing to migrate."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import stamp

    from checkin import create_app
    from checkin.extensions import db

    app = create_app({"DATABASE_URL": url, "LIVE_BACKGROUND": False})
    with app.app_context():
        db.create_all()
        stamp()
        db.engine.dispose()


@contextmanager
def fresh_postgres_schema(url: str):
    """A schema of its own in the PostgreSQL database at `url`, dropped after: runs never collide."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a PostgreSQL or Redis server answers at `url` (a bench skips what is not there)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 5432), timeout=timeout):
            return True
    except OSError:
        return False


@contextmanager
def served(database_url: str | None = None, extra_env: dict | None = None, log: Path | None = None,
           serve_args: tuple = ()):
    """Start `gate serve` (the production server) on a fresh database; yield (base_url, env, pid).

    With `log`, the server's standard error (tracebacks of server errors) is written there."""
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as tmp:
        env = {**os.environ, "GATE_DATABASE_URL": database_url or f"sqlite:///{tmp}/gate.db", **(extra_env or {})}
        port = free_port()
        errors = log.open("wb") if log else subprocess.PIPE
        server = subprocess.Popen([GATE, "serve", "--port", str(port), *serve_args], env=env, cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
        try:
            _wait_ready(port, server)
            yield f"127.0.0.1:{port}", env, server.pid
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(20)


def _wait_ready(port: int, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process and its children (the gunicorn workers), in MB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                  text=True).stdout.split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def own_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of this one process, without its children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_peak_rss_mb() -> float:
    """Peak resident memory of the calling process, in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1-99) of values, or nan when there are none."""
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its children (the gunicorn workers) have used so far.

    On a shared, noisy machine wall-clock rates swing by a third from run to run; the server's
    own CPU time per request swings far less, so it is what compares two versions fairly.
    """
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                  text=True).stdout.split()]
    ticks = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _worker(host: str, token: str, path: str, bodies: list[dict], threads: int, out) -> None:
    """One load process: `threads` keep-alive connections sharing the bodies."""
    lock = threading.Lock()
    cursor = iter(bodies)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def loop():
        conn = http.client.HTTPConnection(*host.split(":"), timeout=30)
        while True:
            with lock:
                body = next(cursor, None)
            if body is None:
                return
            started = time.perf_counter()
            conn.request("POST", path, json.dumps(body), headers)
            resp = conn.getresponse()
            resp.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, statuses))


def drive(host: str, token: str, path: str, bodies: list[dict], concurrency: int) -> dict:
    """POST every body with `concurrency` connections; return rate, latency percentiles, statuses."""
    procs_n = min(concurrency, 4)
    per = [concurrency // procs_n + (1 if i < concurrency % procs_n else 0) for i in range(procs_n)]
    chunks = [bodies[i::procs_n] for i in range(procs_n)]
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(host, token, path, chunks[i], per[i], out)) for i in range(procs_n)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    statuses: dict[int, int] = {}
    for _, st in results:
        for k, v in st.items():
            statuses[k] = statuses.get(k, 0) + v
    q = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "rate": len(latencies) / elapsed, "p50": q[49] * 1000, "p95": q[94] * 1000,
            "p99": q[98] * 1000, "statuses": statuses}


def nonce() -> str:
    return uuid.uuid4().hex
