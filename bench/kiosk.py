"""One self-service kiosk serving a queue of guests, end to end, and what it takes per guest.

`gate serve` (SQLite) on loopback, a private cupsd with a cups-pdf queue as
the kiosk's printer, `gate print-agent` for the kiosk's desk, and the kiosk
page in headless Chromium at 1080x1920. Each scripted guest scans (the
code's keys and Enter, as a keyboard-wedge scanner types them), waits for
"Is this you?", taps "Yes, print my badge" at once and waits for "Take your
badge"; the next guest scans as soon as that shows. The time per guest runs
from the Enter of the scan to "Take your badge" on screen, which the page
shows once the print agent reports CUPS has the job. Run twice in one go:
the kiosk printing only, then printing and admitting at a gate.

    python bench/kiosk.py [--guests 40]
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import GATE, cpu_seconds, gate_cli, served  # noqa: E402
from print_jobs import Client  # noqa: E402
from printer_servers import HAVE_CUPS, Cups  # noqa: E402

EV = "/api/v1/events/bench"
KIOSK = "Kiosk 1"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NAMES = ["Priya Sharma", "Anna Müller", "محمد بن سلمان", "Yuki Tanaka", "José García", "Lena Park", "王小明"]


def setup(host: str, env: dict, guests: int) -> tuple[str, list[str]]:
    """The event, one ticket per guest (two runs' worth); returns the admin's token and the codes."""
    token = gate_cli(env, "token", "create", "--role", "admin").strip()
    admin = Client(host, token)
    status, data, _ = admin.call("POST", "/api/v1/events", {
        "slug": "bench", "name": "Example Conference", "timezone": "UTC",
        "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2199-01-01T00:00:00+00:00"})
    assert status == 201, data
    admin.call("POST", f"{EV}/ticket-types", {"code": "GA", "name": "General", "capacity": guests * 2,
                                              "badge_type": "general", "zones": ["Main hall"]})
    admin.call("POST", f"{EV}/gates", {"code": "north", "name": "North Gate", "zone": "Main hall", "admits": ["GA"]})
    rows = [{"type": "GA", "holder": {"name": f"{NAMES[i % len(NAMES)]} {i}", "company": "Acme"}}
            for i in range(guests * 2)]
    status, data, _ = admin.call("POST", f"{EV}/tickets", {"tickets": rows})
    assert status == 201, data[:300]
    return token, [t["code"] for t in json.loads(data)["tickets"]]


def serve_guests(page, codes: list[str]) -> tuple[list[float], float]:
    """Each guest's scan-to-"Take your badge" time in ms, and the whole queue's seconds."""
    times = []
    started_all = time.perf_counter()
    for code in codes:
        page.keyboard.type(code)
        started = time.perf_counter()
        page.keyboard.press("Enter")
        page.wait_for_selector("#confirm-title", state="visible", timeout=30_000)
        page.click("#yes")
        page.wait_for_selector("#done-title", state="visible", timeout=30_000)
        times.append((time.perf_counter() - started) * 1000)
    return times, time.perf_counter() - started_all


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=40, help="guests per run (two runs)")
    args = parser.parse_args()
    if not HAVE_CUPS:
        raise SystemExit("needs cupsd, lpadmin and cups-pdf (apt-get install cups printer-driver-cups-pdf)")
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="gate-bench-kiosk-"))
    cups = Cups(root)
    rows = []
    try:
        with served() as (host, env, pid):
            admin_token, codes = setup(host, env, args.guests)
            status, data, _ = Client(host, admin_token).call("POST", f"{EV}/printers", {
                "name": "Kiosk printer", "desk": KIOSK, "language": "pdf", "connection": f"cups:{cups.queue}",
                "media": "label-4x3"})
            assert status == 201, data
            desk_token = gate_cli(env, "token", "create", "--role", "badge_desk", "--event", "bench").strip()
            kiosk_token = gate_cli(env, "token", "create", "--role", "kiosk", "--event", "bench",
                                   "--name", KIOSK).strip()
            agent = subprocess.Popen([GATE, "print-agent", "--server", f"http://{host}", "--token", desk_token,
                                      "--event", "bench", "--desk", KIOSK, "--cups-server", cups.server,
                                      "--wait", "20"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
                    page = browser.new_page(viewport={"width": 1080, "height": 1920})
                    page.goto(f"http://{host}/kiosk?token={kiosk_token}&event=bench")
                    page.wait_for_selector("body[data-ready]", timeout=30_000)
                    time.sleep(1.5)  # the agent's first look at the printer
                    for label, admit_at, batch in (("prints only", None, codes[:args.guests]),
                                                   ("prints and admits", "north", codes[args.guests:])):
                        status, data, _ = Client(host, admin_token).call(  # a new connection: the last one idled out
                            "PUT", f"{EV}/kiosks/{KIOSK.replace(' ', '%20')}", {"admit_at": admit_at})
                        assert status == 200, data
                        cpu = cpu_seconds(pid)
                        times, total = serve_guests(page, batch)
                        cpu = cpu_seconds(pid) - cpu
                        rows.append((label, len(times), pct(times, 50), pct(times, 95), max(times),
                                     len(times) / total * 60, cpu / len(times) * 1000))
                    browser.close()
            finally:
                agent.terminate()
                agent.wait(20)
    finally:
        cups.close()
        shutil.rmtree(root, ignore_errors=True)
    print("| kiosk | guests | scan → Take your badge p50 ms | p95 ms | max ms | guests/min | server CPU ms/guest |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, n, p50, p95, worst, per_min, cpu in rows:
        print(f"| {label} | {n} | {p50:.0f} | {p95:.0f} | {worst:.0f} | {per_min:.1f} | {cpu:.1f} |")
    print("\ngoal: p95 < 2000 ms:", "met" if all(r[3] < 2000 for r in rows) else "NOT met")


if __name__ == "__main__":
    main()
