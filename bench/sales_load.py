"""Box-office sales throughput and latency over HTTP against `gate serve`.

Creates an event with one ticket type, then drives POST /sales (cash, one
named ticket each, every request with a nonce) at concurrency 1, 8 and 32;
then UPI holds at 32; then 32 buyers racing for the last seats of a small
type (sold-out answers included). Prints a table: sales/s, p50/p95/p99
latency, answers by status, and checks that no seat was oversold.

    .venv/bin/python bench/sales_load.py [--database-url URL] [--quick]
"""
import argparse
import http.client
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import drive, gate_cli, nonce, peak_rss_mb, served  # noqa: E402

PLAN_QUICK = [("cash", "GA", 32, 3000)]
PLAN = [("cash", "GA", 1, 1000), ("cash", "GA", 8, 3000), ("cash", "GA", 32, 6000),
        ("upi hold", "GA", 32, 3000), ("cash, last 500 seats", "LAST", 32, 1500)]


def setup_event(env: dict) -> str:
    gate_cli(env, "event", "create", "--slug", "bench", "--name", "Bench", "--timezone", "UTC",
             "--starts-at", "2020-01-01T00:00:00+00:00", "--ends-at", "2199-01-01T00:00:00+00:00")
    gate_cli(env, "type", "create", "--event", "bench", "--code", "GA", "--name", "General",
             "--capacity", "1000000", "--badge-type", "General", "--price", "25")
    gate_cli(env, "type", "create", "--event", "bench", "--code", "LAST", "--name", "Last seats",
             "--capacity", "500", "--badge-type", "General", "--price", "40")
    return gate_cli(env, "token", "create", "--role", "box_office", "--event", "bench").strip()


def bodies(kind: str, type_code: str, n: int) -> list[dict]:
    method = "upi" if kind.startswith("upi") else "cash"
    return [{"type": type_code, "holders": [{"name": f"Walk-in {i}"}], "payment": {"method": method},
             "nonce": nonce()} for i in range(n)]


def inventory(host: str, token: str) -> dict:
    conn = http.client.HTTPConnection(*host.split(":"), timeout=30)
    conn.request("GET", "/api/v1/events/bench/inventory", headers={"Authorization": f"Bearer {token}"})
    return {t["code"]: t for t in json.loads(conn.getresponse().read())["types"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--quick", action="store_true", help="cash sales at concurrency 32 only")
    args = parser.parse_args()
    with served(args.database_url) as (host, env, pid):
        token = setup_event(env)
        print("| sales | concurrency | n | sales/s | p50 ms | p95 ms | p99 ms | answers |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for kind, type_code, concurrency, n in (PLAN_QUICK if args.quick else PLAN):
            r = drive(host, token, "/api/v1/events/bench/sales", bodies(kind, type_code, n), concurrency)
            answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
            print(f"| {kind} | {concurrency} | {r['n']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} "
                  f"| {r['p99']:.1f} | {answers} |", flush=True)
        stock = inventory(host, token)
        last = stock.get("LAST", {})
        print(f"\nLAST: sold {last.get('sold')} of 500, available {last.get('available')} (never more than 500)")
        print(f"server peak RSS: {peak_rss_mb(pid):.0f} MB (gunicorn master + worker)")


if __name__ == "__main__":
    main()
