"""What checking the bearer token costs a scan: POST /scans through the Flask test client.

Two ways of checking the token, measured in the same run, in alternating
rounds so the machine's noise falls on both alike:

- cached: the check as it was before revocations had to work at once: a
  per-process dictionary of good tokens, trusted for 10 s (a revoked token
  kept working on other nodes until its entry ran out);
- checked: the service's own check, which reads the token's row on every
  request, so a revoked or expired token stops at once on every node.

Each round judges first scans of fresh tickets. Prints per-scan medians and
the ratio checked / cached.

    .venv/bin/python bench/token_check.py [--rounds 8] [--scans 300] [--database-url URL]
"""
import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent))  # after the project's own: bench/badges.py is no package

from common import fresh_postgres_schema  # noqa: E402
from flask_migrate import stamp  # noqa: E402
from sqlalchemy import select  # noqa: E402

from checkin import create_app  # noqa: E402
from checkin.auth import Principal, auth, create_token, hash_token  # noqa: E402
from checkin.extensions import db  # noqa: E402
from checkin.models import ApiToken  # noqa: E402

EVENT = {"slug": "bench", "name": "Bench", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}


def cached_check():
    """The earlier check: good tokens trusted from a per-process dictionary for 10 s."""
    cache: dict[str, tuple[float, Principal]] = {}

    def verify(token: str):
        if not token or len(token) > 200:
            return None
        digest = hash_token(token)
        now = time.monotonic()
        hit = cache.get(digest)
        if hit and hit[0] > now:
            return hit[1]
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest,
                                                       ApiToken.revoked_at.is_(None)))
        principal = Principal(row.id, row.role, row.event_id, row.gate_id) if row else None
        if principal:
            cache[digest] = (now + 10, principal)
        return principal
    return verify


def setup(client, admin: str, tickets: int) -> list[str]:
    """An event with one gate and `tickets` General tickets; returns their codes."""
    headers = {"Authorization": f"Bearer {admin}"}
    assert client.post("/api/v1/events", json=EVENT, headers=headers).status_code == 201
    assert client.post("/api/v1/events/bench/ticket-types", headers=headers, json={
        "code": "GA", "name": "General", "capacity": tickets, "badge_type": "General"}).status_code == 201
    assert client.post("/api/v1/events/bench/gates", headers=headers, json={
        "code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}).status_code == 201
    codes = []
    for start in range(0, tickets, 1000):
        rows = [{"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(start, min(tickets, start + 1000))]
        answer = client.post("/api/v1/events/bench/tickets", json={"tickets": rows}, headers=headers)
        assert answer.status_code == 201, answer.json
        codes += [t["code"] for t in answer.json["tickets"]]
    return codes


def round_of(client, gate_token: str, codes: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds per scan over these codes.

    CPU time is this thread's (the test client, Flask and SQLite all run on
    it), so other processes on a busy machine hardly move it; wall-clock time
    also counts the wait for PostgreSQL."""
    headers = {"Authorization": f"Bearer {gate_token}"}
    wall, cpu = time.perf_counter(), time.thread_time()
    for code in codes:
        answer = client.post("/api/v1/events/bench/scans", json={"code": code, "gate": "north"}, headers=headers)
        assert answer.status_code == 200 and answer.json["status"] == "ok", answer.json
    return (time.perf_counter() - wall) / len(codes), (time.thread_time() - cpu) / len(codes)


@contextmanager
def database(url: str | None, tmp: str):
    """A SQLite file, or a schema of its own on the PostgreSQL server named (dropped afterwards)."""
    if not url:
        yield f"sqlite:///{tmp}/gate.db"
        return
    with fresh_postgres_schema(url) as schema_url:
        yield schema_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as tmp, database(args.database_url, tmp) as url:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LIVE_BACKGROUND": False})
        app.instance_path = tmp
        with app.app_context():
            db.create_all()
            stamp()
            admin = create_token("admin")
        client = app.test_client()
        codes = setup(client, admin, args.rounds * args.scans * 2 + 200)
        with app.app_context():
            gate_token = create_token("gate", "bench")
        checks = {"checked": auth.verify_token_callback, "cached": cached_check()}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in checks}
        for name, verify in checks.items():  # warm up both: plans, caches, the first connection
            auth.verify_token_callback = verify
            round_of(client, gate_token, codes[:100] if name == "checked" else codes[100:200])
        rest = iter(codes[200:])
        for i in range(args.rounds):
            order = list(checks) if i % 2 == 0 else list(reversed(checks))
            for name in order:
                auth.verify_token_callback = checks[name]
                times[name].append(round_of(client, gate_token, [next(rest) for _ in range(args.scans)]))
        auth.verify_token_callback = checks["checked"]
        with app.app_context():
            db.engine.dispose()
    report(times, args.rounds, args.scans)


def report(times: dict[str, list[tuple[float, float]]], rounds: int, scans: int) -> None:
    """Print medians per scan, and the ratio checked / cached."""
    print(f"{rounds} rounds of {scans} first scans per check")
    print(f"{'token check':<12} {'wall us/scan':>13} {'cpu us/scan':>12} {'best wall':>10}")
    medians = {}
    for name, values in times.items():
        wall, cpu = statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)
        medians[name] = (wall, cpu)
        print(f"{name:<12} {wall * 1e6:>13.0f} {cpu * 1e6:>12.0f} {min(v[0] for v in values) * 1e6:>10.0f}")
    (wall_a, cpu_a), (wall_b, cpu_b) = medians["checked"], medians["cached"]
    print(f"ratio checked / cached: wall {wall_a / wall_b:.3f}, cpu {cpu_a / cpu_b:.3f}")


if __name__ == "__main__":
    main()
