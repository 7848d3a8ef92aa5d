"""Badge printing over HTTP against `gate serve`: what a badge desk waits for.

Creates an event with one type per built-in badge and mixed-script attendees,
then measures: the first print job after start, single-badge print jobs one
after another and from 4 desks at once, the job PDF and label PNG downloads,
and one bulk job of 1,000 badges on A4 sheets. Prints a markdown table.

With --agent (needs CUPS with cups-pdf) the desk prints through `gate
print-agent` to a queue of a private cupsd: the time from a scan at a gate to
its badge in the printer's queue with print at check-in on (a desk that hears
the gate's scans on Socket.IO and prints, as the desk page does), and 1,000
badges to the CUPS queue.

    .venv/bin/python bench/print_jobs.py [--database-url URL] [--agent]
"""
import argparse
import http.client
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import drive, gate_cli, peak_rss_mb, served  # noqa: E402

EV = "/api/v1/events/bench"
TYPES = [("GEN", "General", "general"), ("STU", "Student", "student"), ("VIP", "VIP", "vip"),
         ("SPO", "Sponsor", "sponsor"), ("SPK", "Speaker", "speaker"), ("STF", "Staff", "staff"),
         ("WLK", "On-site walk-in", "onsite")]
NAMES = ["Anna Müller", "José Álvarez-Ruiz", "Nguyễn Thị Minh Khai", "प्रिया शर्मा", "श्रीनिवास रामानुजन",
         "محمد بن سلمان", "فاطمة الزهراء", "דוד בן גוריון", "שרה לוי", "王小明", "山田 太郎", "김민준",
         "Дмитрий Иванов", "Αλέξανδρος Παπαδόπουλος", "Li Wei 李伟", "Anna مريم Lee"]
COMPANIES = ["Acme Widgets Ltd", "Université de Genève", "株式会社テスト", "شركة المثال", None, "Infosys"]


class Client:
    """One keep-alive connection with a bearer token."""

    def __init__(self, host: str, token: str):
        self.conn = http.client.HTTPConnection(*host.split(":"), timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.conn.request(method, path, json.dumps(body) if body is not None else None, self.headers)
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, (time.perf_counter() - started) * 1000


def setup(host: str, env: dict, n: int) -> tuple[Client, str, list[int]]:
    admin = Client(host, gate_cli(env, "token", "create", "--role", "admin").strip())
    status, _, _ = admin.call("POST", "/api/v1/events", {
        "slug": "bench", "name": "Example Conference 2025", "timezone": "UTC",
        "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2199-01-01T00:00:00+00:00"})
    assert status == 201, status
    for code, name, badge in TYPES:
        admin.call("POST", f"{EV}/ticket-types", {"code": code, "name": name, "capacity": n,
                                                  "badge_type": badge, "zones": ["Main hall", "Expo"]})
    rows = [{"type": TYPES[i % len(TYPES)][0], "holder": {"name": NAMES[i % len(NAMES)],
                                                          "company": COMPANIES[i % len(COMPANIES)]}}
            for i in range(n)]
    status, data, _ = admin.call("POST", f"{EV}/tickets", {"tickets": rows})
    assert status == 201, data[:300]
    ids = [t["id"] for t in json.loads(data)["tickets"]]
    desk_token = gate_cli(env, "token", "create", "--role", "badge_desk", "--event", "bench").strip()
    return Client(host, desk_token), desk_token, ids, admin, json.loads(data)["tickets"]


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def run(host: str, env: dict, single: int, bulk: int) -> list[tuple[str, str]]:
    desk, token, ids, _, _ = setup(host, env, single * 3 + bulk + 1)
    rows = []
    status, data, ms = desk.call("POST", f"{EV}/print-jobs", {"ticket_ids": [ids.pop()], "desk": "bench"})
    assert status == 201, data
    rows.append(("first print job after start (render + log)", f"{ms:.1f} ms"))

    posts, pdfs, pngs = [], [], []
    for _ in range(single):
        status, data, ms = desk.call("POST", f"{EV}/print-jobs", {"ticket_ids": [ids.pop()], "desk": "bench"})
        assert status == 201, data
        posts.append(ms)
        job = json.loads(data)
        pdfs.append(desk.call("GET", job["pdf"])[2])
        if len(pngs) < 50:
            pngs.append(desk.call("GET", job["png"] + "?dpi=203")[2])
    rows.append(("one-badge print job, p50 / p95", f"{pct(posts, 50):.1f} / {pct(posts, 95):.1f} ms"))
    rows.append(("its PDF download, p50 / p95", f"{pct(pdfs, 50):.1f} / {pct(pdfs, 95):.1f} ms"))
    rows.append(("its label PNG 203 dpi, p50 / p95", f"{pct(pngs, 50):.1f} / {pct(pngs, 95):.1f} ms"))

    bodies = [{"ticket_ids": [ids.pop()], "desk": f"desk {i % 4}"} for i in range(single * 2)]
    r = drive(host, token, f"{EV}/print-jobs", bodies, 4)
    assert set(r["statuses"]) == {201}, r["statuses"]
    rows.append(("one-badge jobs from 4 desks at once", f"{r['rate']:.0f} jobs/s, p95 {r['p95']:.0f} ms"))

    status, data, ms = desk.call("POST", f"{EV}/print-jobs", {"ticket_ids": ids[:bulk], "page": "a4-9"})
    assert status == 201, data[:300]
    job = json.loads(data)
    size = len(desk.call("GET", job["pdf"])[1])
    rows.append((f"one job of {bulk} badges on a4-9", f"{ms / 1000:.2f} s, {bulk / ms * 1000:.0f} badges/s"))
    rows.append((f"its PDF ({job['pages']} sheets)", f"{size / 1024:.0f} KB, {size / bulk / 1024:.2f} KB/badge"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--single", type=int, default=200, help="one-badge jobs timed one after another")
    parser.add_argument("--bulk", type=int, default=1000, help="badges in the bulk job")
    parser.add_argument("--agent", action="store_true", help="print through gate print-agent to CUPS instead")
    args = parser.parse_args()
    with served(args.database_url) as (host, env, pid):
        if args.agent:
            from print_agent_path import run_agent

            rows = run_agent(host, env, setup(host, env, args.single + args.bulk + 1), args.single, args.bulk)
        else:
            rows = run(host, env, args.single, args.bulk)
        rss = peak_rss_mb(pid)
    print("| print jobs over HTTP | result |")
    print("|---|---:|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    print(f"\nServer peak RSS {rss:.0f} MB.")


if __name__ == "__main__":
    main()
