"""Live counts under load: how soon 50 dashboards see a scan, and what they cost the gates.

Starts `gate serve` on a fresh database (optionally with Redis as the
Socket.IO message queue), imports 20,000 tickets, and runs:

1. paced scans at --rate a second (first scans at two gates), without dashboards;
2. the same with --screens dashboard clients (python-socketio, websocket, joined
   like the dashboard page: counts, inventory, alerts and refused scans),
   spread over a few processes. Ten times a second a probe scan goes to a gate
   of its own; each screen notes when it first sees that gate's count reach
   the probe's number. Delay = that moment minus the scan's judgement time
   (`scan.at`, taken before the commit), so it includes the commit;
3. scans as fast as they go (throughput), without and then with the screens.

Prints markdown tables.

    .venv/bin/python bench/live_latency.py [--rate 200] [--seconds 15] [--screens 50] [--redis-url URL]
"""
import argparse
import csv
import http.client
import io
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import drive, gate_cli, nonce, prepare_database, served  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_event(env: dict, tickets: int, tmp: str) -> tuple[str, str, list[str]]:
    gate_cli(env, "event", "create", "--slug", "bench", "--name", "Bench", "--timezone", "UTC",
             "--starts-at", "2020-01-01T00:00:00+00:00", "--ends-at", "2199-01-01T00:00:00+00:00")
    gate_cli(env, "type", "create", "--event", "bench", "--code", "GA", "--name", "General",
             "--capacity", str(tickets), "--badge-type", "General")
    for code, zone in (("north", "hall"), ("south", "hall"), ("probe", "probe")):
        gate_cli(env, "gate", "create", "--event", "bench", "--code", code, "--name", code.title(),
                 "--zone", zone, "--admits", "GA", "--direction", "both")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["external_id", "type", "name"])
    writer.writerows([f"b-{i}", "GA", f"Guest {i}"] for i in range(tickets))
    path = Path(tmp) / "tickets.csv"
    path.write_text(buf.getvalue())
    gate_cli(env, "import", str(path), "--event", "bench")
    gate_token = gate_cli(env, "token", "create", "--role", "gate", "--event", "bench").strip()
    screen_token = gate_cli(env, "token", "create", "--role", "supervisor", "--event", "bench").strip()
    from sqlalchemy import create_engine, text

    engine = create_engine(env["GATE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT code FROM tickets ORDER BY id"))]
    engine.dispose()
    return gate_token, screen_token, codes


def _post(conn: http.client.HTTPConnection, token: str, body: dict) -> tuple[int, dict]:
    conn.request("POST", "/api/v1/events/bench/scans", json.dumps(body),
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read())


def paced(host: str, token: str, codes: list[str], rate: float, seconds: float, probes: list[str] | None,
          concurrency: int = 8) -> dict:
    """Scans at `rate` a second for `seconds`; with `probes`, ten a second of them go to the probe gate."""
    total = int(rate * seconds)
    stride = max(1, int(rate / 10))
    bodies = []
    for i in range(total):
        probe = probes is not None and i % stride == 0
        bodies.append({"code": probes.pop() if probe else codes.pop(),
                       "gate": "probe" if probe else ("north", "south")[i % 2], "nonce": nonce(),
                       "device": f"bench-{i % 16}"})
    start = time.perf_counter() + 0.2
    lock, cursor = threading.Lock(), iter(range(total))
    latencies, probe_at, errors = [], [], [0]

    def worker():
        conn = http.client.HTTPConnection(*host.split(":"), timeout=30)
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            status, answer = _post(conn, token, bodies[i])
            with lock:
                latencies.append(time.perf_counter() - sent)
                errors[0] += status >= 500
                if bodies[i]["gate"] == "probe":
                    probe_at.append(datetime.fromisoformat(answer["scan"]["at"]).timestamp())

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {"n": total, "rate": total / elapsed, "p50": q[49] * 1000, "p99": q[98] * 1000, "errors": errors[0],
            "probe_at": sorted(probe_at)}


def _screens(url: str, token: str, n: int, ready, stop, out) -> None:
    """n dashboard clients in this process; reports when each first saw each probe count."""
    import socketio

    seen: list[dict[int, float]] = [{} for _ in range(n)]
    clients = []
    for i in range(n):
        client = socketio.Client(reconnection=False)

        def on_counts(payload, mine=seen[i]):
            at = time.time()
            value = payload["gates"]["probe"]["entries"]
            mine.setdefault(value, at)
        client.on("counts", on_counts, namespace="/live")
        client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=30)
        ack = client.call("join", {"event": "bench", "scans": "refused"}, namespace="/live", timeout=30)
        assert ack["ok"], ack
        clients.append(client)
    ready.put(n)
    started = time.process_time()
    stop.wait()
    used = time.process_time() - started
    for client in clients:
        client.disconnect()
    out.put((seen, used))


def delays(seen_by_screen: list[dict[int, float]], probe_at: list[float], before: int) -> list[float]:
    """For every screen and probe k: first time the probe count reached `before`+k, minus probe k's judgement."""
    out = []
    for seen in seen_by_screen:
        firsts = sorted(seen.items())
        for k, at in enumerate(probe_at, start=before + 1):
            reached = [t for value, t in firsts if value >= k]
            if reached:
                out.append(min(reached) - at)
    return out


SCREEN_CPU: list[float] = []  # CPU seconds the screen processes used during each run with screens


def with_screens(host: str, token: str, n: int, work):
    """Run work() while n dashboard clients watch; returns (work's result, what each screen saw)."""
    ctx = mp.get_context("spawn")
    procs_n = max(1, min(5, n))
    ready, out, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    per = [n // procs_n + (1 if i < n % procs_n else 0) for i in range(procs_n)]
    procs = [ctx.Process(target=_screens, args=(f"http://{host}", token, k, ready, stop, out)) for k in per]
    for p in procs:
        p.start()
    connected = sum(ready.get(timeout=120) for _ in procs)
    time.sleep(1.0)  # let the join snapshots settle
    result = work()
    time.sleep(1.0)  # the last snapshots arrive
    stop.set()
    reports = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    assert connected == n
    SCREEN_CPU.append(sum(used for _, used in reports))
    return result, [s for seen, _ in reports for s in seen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--fast", type=int, default=3000, help="scans in each as-fast-as-possible run")
    parser.add_argument("--redis-url", help="use Redis as the Socket.IO message queue")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gate-live-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/gate.db"
        prepare_database(url)
        extra = {"GATE_REDIS_URL": args.redis_url, "GATE_SOCKETIO_CHANNEL": f"bench-{uuid.uuid4().hex[:8]}"} \
            if args.redis_url else {}
        with served(url, extra) as (host, env, _pid):
            run(args, host, env, tmp)


def run(args, host: str, env: dict, tmp: str) -> None:
    per_run = int(args.rate * args.seconds)
    gate_token, screen_token, codes = setup_event(env, 2 * per_run + 2 * args.fast + 400, tmp)
    codes.reverse()
    probes = [codes.pop() for _ in range(300)]
    queue = "Redis" if args.redis_url else "in-process"
    print(f"Socket.IO: {queue}; {args.screens} screens; paced at {args.rate:.0f}/s for {args.seconds:.0f} s\n")
    print("| run | scans | scans/s | p50 ms | p99 ms | 5xx | count delay p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    alone = paced(host, gate_token, codes, args.rate, args.seconds, None)
    _row("paced, no screens", alone)
    watched, seen = with_screens(host, screen_token, args.screens,
                                 lambda: paced(host, gate_token, codes, args.rate, args.seconds, probes))
    _row(f"paced, {args.screens} screens", watched, delays(seen, watched["probe_at"], 0))
    path = "/api/v1/events/bench/scans"
    fast_alone = drive(host, gate_token, path, _bodies(codes, args.fast), 16)
    _row("as fast as possible, no screens", {**fast_alone, "errors": _errors(fast_alone)})
    fast_watched, _ = with_screens(host, screen_token, args.screens,
                                   lambda: drive(host, gate_token, path, _bodies(codes, args.fast), 16))
    _row(f"as fast as possible, {args.screens} screens", {**fast_watched, "errors": _errors(fast_watched)})
    drop = 100 * (1 - fast_watched["rate"] / fast_alone["rate"])
    print(f"\nthroughput with {args.screens} screens: {drop:.1f}% lower than without (negative: higher)")
    print(f"the screen clients themselves used {SCREEN_CPU[0]:.1f} s and {SCREEN_CPU[1]:.1f} s of CPU "
          f"during the two runs with screens (on the same machine as the server)")


def _bodies(codes: list[str], n: int) -> list[dict]:
    return [{"code": codes.pop(), "gate": ("north", "south")[i % 2], "nonce": nonce(), "device": f"fast-{i % 16}"}
            for i in range(n)]


def _errors(result: dict) -> int:
    return sum(v for k, v in result["statuses"].items() if k >= 500)


def _row(name: str, r: dict, lag: list[float] | None = None) -> None:
    if lag:
        q = statistics.quantiles(lag, n=100)
        tail = f"{q[49] * 1000:.0f} | {q[98] * 1000:.0f} | {max(lag) * 1000:.0f}"
    else:
        tail = "- | - | -"
    print(f"| {name} | {r['n']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {tail} |",
          flush=True)


if __name__ == "__main__":
    main()
