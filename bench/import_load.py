"""Bulk import speed: `gate import` of a CSV, as an organiser runs it.

Imports N tickets (default 50,000) into a fresh event, then imports the same
file again (idempotent: nothing new), and prints wall time, rate and peak RSS.

    .venv/bin/python bench/import_load.py [--tickets 50000] [--database-url URL]
"""
import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import GATE, gate_cli  # noqa: E402


def write_csv(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "type", "name", "email", "company"])
        writer.writerows([f"ext-{i}", "GA", f"Attendee {i}", f"a{i}@example.org", "Acme"] for i in range(n))


def timed_import(env: dict, path: Path) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run([GATE, "import", str(path), "--event", "big"], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return time.perf_counter() - started, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gate-import-") as tmp:
        env = {**os.environ, "GATE_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/gate.db"}
        gate_cli(env, "event", "create", "--slug", "big", "--name", "Big", "--timezone", "UTC",
                 "--starts-at", "2030-01-01T00:00:00+00:00", "--ends-at", "2030-01-02T00:00:00+00:00")
        gate_cli(env, "type", "create", "--event", "big", "--code", "GA", "--name", "General",
                 "--capacity", str(args.tickets), "--badge-type", "General")
        path = Path(tmp) / "tickets.csv"
        write_csv(path, args.tickets)
        print("| run | tickets | seconds | tickets/s | peak RSS MB |")
        print("|---|---:|---:|---:|---:|")
        for run in ("first import", "same file again"):
            seconds, peak = timed_import(env, path)
            print(f"| {run} | {args.tickets} | {seconds:.1f} | {args.tickets / seconds:.0f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
