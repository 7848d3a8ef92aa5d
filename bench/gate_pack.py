"""Gate pack sizes and times on the wire, format 1 against format 2, and scans while tablets fetch.

Against `gate serve` on SQLite: one event per size (10,000 and 100,000 tickets by
default, a quarter of them with a barcode printed by another system, names off as
by default), imported from CSV. Prints:

1. the whole pack (first fetch) and an incremental one (100 tickets voided since the
   cursor), each as sent with no compression, gzip and br: bytes on the wire, bytes
   per ticket, the time of the first fetch (which builds it) and its server CPU, and
   of the same fetch again (median of 2, sharing what the first built);
   and what an unchanged pack costs with its ETag (304, no body);
2. first scans at concurrency 8 alone, then while 10 tablets start at once: each
   fetches the whole pack of the largest event, then what changed every second, as
   before (format 1, not compressed) and as the clients now do (format 2, gzip, with
   the last ETag): scans/s, latency, and the ratio to scans alone.

    .venv/bin/python bench/gate_pack.py [--sizes 10000 100000] [--scans 3000]
"""
import argparse
import csv
import gzip
import http.client
import io
import json
import statistics
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from common import cpu_seconds, drive, gate_cli, nonce, served  # noqa: E402

CODINGS = ("identity", "gzip", "br")
CHANGED = 100  # tickets voided between the whole pack and the incremental one
TABLETS = 10


def setup_event(env: dict, slug: str, tickets: int) -> list[tuple[int, str]]:
    """An event with `tickets` tickets (a quarter with foreign barcodes); (id, code) of the others, by serial."""
    gate_cli(env, "event", "create", "--slug", slug, "--name", slug, "--timezone", "UTC",
             "--starts-at", "2020-01-01T00:00:00+00:00", "--ends-at", "2199-01-01T00:00:00+00:00")
    for code, name in (("GA", "General"), ("VIP", "VIP")):
        gate_cli(env, "type", "create", "--event", slug, "--code", code, "--name", name,
                 "--capacity", str(tickets), "--badge-type", name)
    gate_cli(env, "gate", "create", "--event", slug, "--code", "north", "--name", "North", "--zone", "hall",
             "--admits", "GA", "--admits", "VIP", "--direction", "both")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["external_id", "type", "name", "barcode"])
    writer.writerows([f"{slug}-{i}", "VIP" if i % 10 == 0 else "GA", f"Guest {i}",
                      f"{700000000000 + i * 7919}" if i % 4 == 0 else ""] for i in range(tickets))
    path = Path(env["GATE_DATABASE_URL"].removeprefix("sqlite:///")).with_name(f"{slug}.csv")
    path.write_text(buf.getvalue())
    gate_cli(env, "import", str(path), "--event", slug)
    engine = create_engine(env["GATE_DATABASE_URL"])
    with engine.connect() as conn:
        rows = [(row[0], row[1]) for row in conn.execute(text(
            "SELECT t.id, t.code FROM tickets t JOIN events e ON e.id = t.event_id "
            "WHERE e.slug = :slug AND t.barcode IS NULL ORDER BY t.serial"), {"slug": slug})]
    engine.dispose()
    return rows


def fetch(host: str, token: str, path: str, coding: str, etag: str | None = None) -> tuple[int, bytes, dict, float]:
    """(status, body as it came over the wire, headers, seconds)."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": coding}
    if etag:
        headers["If-None-Match"] = etag
    conn = http.client.HTTPConnection(*host.split(":"), timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, body, dict(response.getheaders()), elapsed


def measured(host: str, token: str, pid: int, path: str, coding: str) -> tuple[int, float, float, float, bytes]:
    """(bytes on the wire, seconds of the first fetch, its server CPU ms, median seconds of two more, the body).
    The first fetch of a pack builds it; fetches of the same pack after it share what was built."""
    cpu = cpu_seconds(pid)
    status, body, _headers, first = fetch(host, token, path, coding)
    assert status == 200, (status, body[:200])
    cpu = (cpu_seconds(pid) - cpu) * 1000
    again = [fetch(host, token, path, coding)[3] for _ in range(2)]
    return len(body), first, cpu, statistics.median(again), body


def sizes_table(host: str, pid: int, token: str, admin: str, slug: str, n: int, voided: list[int]) -> None:
    base = f"/api/v1/events/{slug}/gate-pack?gate=north"
    cursors = {}
    for fmt in (1, 2):
        for coding in CODINGS:
            size, first, cpu, again, body = measured(host, token, pid, f"{base}&format={fmt}", coding)
            if coding == "identity":
                cursors[fmt] = json.loads(body)["cursor"]
            print(f"| {n} | whole | {fmt} | {coding} | {size:,} | {size / n:.1f} | {first * 1000:.0f} | {cpu:.0f} "
                  f"| {again * 1000:.0f} |", flush=True)
    void_some(host, admin, slug, voided)
    for fmt in (1, 2):
        for coding in CODINGS:
            path = f"{base}&format={fmt}&since={cursors[fmt]}"
            size, first, cpu, again, _body = measured(host, token, pid, path, coding)
            print(f"| {n} | {CHANGED} changed | {fmt} | {coding} | {size:,} | {size / CHANGED:.1f} per changed "
                  f"| {first * 1000:.0f} | {cpu:.0f} | {again * 1000:.0f} |", flush=True)
    _status, body, headers, _ = fetch(host, token, f"{base}&format=2", "gzip")
    status, body, _headers, seconds = fetch(host, token, f"{base}&format=2", "gzip", headers["ETag"])
    print(f"| {n} | unchanged, If-None-Match | 2 | gzip | {len(body)} ({status}) | 0 | - | - "
          f"| {seconds * 1000:.0f} |", flush=True)


def void_some(host: str, admin: str, slug: str, ids: list[int]) -> None:
    conn = http.client.HTTPConnection(*host.split(":"), timeout=30)
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
    for ticket_id in ids:
        conn.request("POST", f"/api/v1/events/{slug}/tickets/{ticket_id}/void", json.dumps({"reason": "bench"}),
                     headers)
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200, answer.status
    conn.close()


def scans_while_fetching(host: str, token: str, slug: str, codes: list[str], scans: int) -> None:
    print("\n| first scans, concurrency 8 | n | scans/s | p50 ms | p95 ms | p99 ms | pack fetches (whole) "
          "| scans/s vs alone |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    fresh = codes[::-1]
    alone = None
    for label, fmt, coding in (("alone", None, None),
                               (f"{TABLETS} tablets start at once: format 1, not compressed, "
                                "each building its own pack (before)", 1, "identity"),
                               (f"{TABLETS} tablets start at once: format 2, gzip, one shared build, ETag (now)",
                                2, "gzip"),
                               ("alone, again", None, None)):
        bodies = [{"code": fresh.pop(), "gate": "north", "nonce": nonce(), "device": f"bench-{i % 64}"}
                  for i in range(min(scans, len(fresh)))]
        stop, fetched = threading.Event(), []
        tablets = [threading.Thread(target=tablet, args=(host, token, slug, fmt, coding, stop, fetched, i + 1))
                   for i in range(TABLETS if fmt else 0)]
        for t in tablets:
            t.start()
        r = drive(host, token, f"/api/v1/events/{slug}/scans", bodies, 8)
        stop.set()
        for t in tablets:
            t.join()
        alone = alone or r["rate"]
        whole = sum(1 for kind in fetched if kind == "whole")
        print(f"| {label} | {r['n']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
              f"| {len(fetched)} ({whole}) | {r['rate'] / alone:.2f} |", flush=True)


def tablet(host: str, token: str, slug: str, fmt: int, coding: str, stop: threading.Event, fetched: list,
           n: int) -> None:
    """A gate at doors-open: the whole pack, then what changed every second (the page asks every 5 s),
    sending the last ETag where the format has one worth sending (format 1 clients send none).

    As before, format 1's tablets each ask from their own ledger position before the event's first
    entry (since=n): the same tickets, but no two fetches are the same pack, so each builds its own,
    as every fetch did before packs were shared."""
    base = f"/api/v1/events/{slug}/gate-pack?gate=north&format={fmt}"
    status, body, headers, _ = fetch(host, token, base if fmt == 2 else f"{base}&since={n}", coding)
    assert status == 200, (status, body[:300])
    fetched.append("whole")
    cursor = json.loads(gzip.decompress(body) if coding == "gzip" else body)["cursor"]
    etag = None
    while not stop.wait(1.0):
        status, body, headers, _ = fetch(host, token, f"{base}&since={cursor}", coding, etag)
        etag = headers.get("ETag") if fmt == 2 else None
        fetched.append(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--scans", type=int, default=3000, help="first scans per row of the second table")
    args = parser.parse_args()
    with served() as (host, env, pid):
        token = gate_cli(env, "token", "create", "--role", "gate").strip()
        admin = gate_cli(env, "token", "create", "--role", "admin").strip()
        events = {n: setup_event(env, f"p{n}", n) for n in args.sizes}
        print("| tickets | fetch | format | coding | bytes | bytes/ticket | first ms | its server CPU ms "
              "| again ms |")
        print("|---:|---|---:|---|---:|---:|---:|---:|---:|")
        for n in args.sizes:
            sizes_table(host, pid, token, admin, f"p{n}", n, [tid for tid, _code in events[n][:CHANGED]])
        biggest = max(args.sizes)
        scans_while_fetching(host, token, f"p{biggest}", [code for _tid, code in events[biggest][CHANGED:]],
                             args.scans)


if __name__ == "__main__":
    main()
