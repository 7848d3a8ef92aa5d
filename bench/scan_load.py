"""Scan throughput and latency over HTTP against `gate serve`, as the README runs it.

Creates an event with 20,000 tickets, then drives POST /scans at concurrency
1, 8 and 32 with first scans, duplicates and invalid codes. Prints a table:
scans/s, p50/p95/p99 latency, server errors, the server's CPU time per scan
(steadier than rates on a shared machine), and the server's peak RSS.

    .venv/bin/python bench/scan_load.py [--tickets 20000] [--database-url URL] [--workers N]

--database-url must name an empty database (gate serve migrates it). Several
workers need GATE_REDIS_URL set in the environment, as `gate serve` does.
"""
import argparse
import csv
import io
import random
import string
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from common import cpu_seconds, drive, gate_cli, nonce, peak_rss_mb, served  # noqa: E402

PLAN_QUICK = [("first scans", 1, 1000), ("first scans", 8, 4000), ("first scans", 32, 4000)]
PLAN = [("first scans", 1, 1500), ("first scans", 8, 5000), ("first scans", 32, 5000),
        ("duplicates", 1, 1000), ("duplicates", 8, 3000), ("duplicates", 32, 3000),
        ("invalid codes", 1, 1000), ("invalid codes", 8, 3000), ("invalid codes", 32, 3000)]


def setup_event(env: dict, tickets: int) -> tuple[str, list[str]]:
    gate_cli(env, "event", "create", "--slug", "bench", "--name", "Bench", "--timezone", "UTC",
             "--starts-at", "2020-01-01T00:00:00+00:00", "--ends-at", "2199-01-01T00:00:00+00:00")
    gate_cli(env, "type", "create", "--event", "bench", "--code", "GA", "--name", "General",
             "--capacity", str(tickets), "--badge-type", "General")
    for code in ("north", "south"):
        gate_cli(env, "gate", "create", "--event", "bench", "--code", code, "--name", code.title(),
                 "--zone", "hall", "--admits", "GA", "--direction", "both")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["external_id", "type", "name"])
    writer.writerows([f"b-{i}", "GA", f"Guest {i}"] for i in range(tickets))
    path = Path(env["GATE_DATABASE_URL"].removeprefix("sqlite:///")).with_name("tickets.csv") \
        if env["GATE_DATABASE_URL"].startswith("sqlite") else Path("/tmp/gate-bench-tickets.csv")
    path.write_text(buf.getvalue())
    gate_cli(env, "import", str(path), "--event", "bench")
    token = gate_cli(env, "token", "create", "--role", "gate", "--event", "bench").strip()
    url = env["GATE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT code FROM tickets ORDER BY id"))]
    engine.dispose()
    return token, codes


def bodies_for(kind: str, n: int, fresh: list[str], seen: list[str]) -> list[dict]:
    if kind == "first scans":
        picked = [fresh.pop() for _ in range(n)]
        seen.extend(picked)
        codes = picked
    elif kind == "duplicates":
        codes = random.choices(seen, k=n)
    else:
        codes = ["".join(random.choices(string.ascii_uppercase + "234567", k=120)) for _ in range(n)]
    return [{"code": c, "gate": random.choice(["north", "south"]), "nonce": nonce(),
             "device": f"bench-{i % 64}"} for i, c in enumerate(codes)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--quick", action="store_true", help="first scans only")
    parser.add_argument("--workers", type=int, help="gate serve --workers (default: gate serve's own)")
    args = parser.parse_args()
    # The invalid-code throttle would answer the third row's guesses 429: off, to measure judging them.
    no_throttle = {"GATE_SCAN_INVALID_LIMIT": "0", "GATE_SCAN_INVALID_ADDRESS_LIMIT": "0"}
    serve_args = ("--workers", str(args.workers)) if args.workers else ()
    with served(args.database_url, no_throttle, serve_args=serve_args) as (host, env, pid):
        token, codes = setup_event(env, args.tickets)
        random.seed(1)
        fresh, seen = codes[::-1], []
        print("| scans | concurrency | n | scans/s | p50 ms | p95 ms | p99 ms | 5xx | server CPU ms/scan |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for kind, concurrency, n in (PLAN_QUICK if args.quick else PLAN):
            bodies = bodies_for(kind, min(n, len(fresh)) if kind == "first scans" else n, fresh, seen)
            cpu = cpu_seconds(pid)
            r = drive(host, token, "/api/v1/events/bench/scans", bodies, concurrency)
            cpu = (cpu_seconds(pid) - cpu) / r["n"] * 1000
            errors = sum(v for k, v in r["statuses"].items() if k >= 500)
            print(f"| {kind} | {concurrency} | {r['n']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} "
                  f"| {r['p99']:.1f} | {errors} | {cpu:.3f} |", flush=True)
        print(f"\nserver peak RSS: {peak_rss_mb(pid):.0f} MB (gunicorn master + workers)")


if __name__ == "__main__":
    main()
