"""The agent path of bench/print_jobs.py: a scan at a gate to its badge in a CUPS queue, and 1,000 badges to it.

A private cupsd (the tests' own, with a cups-pdf queue) takes the jobs; `gate
print-agent` runs as a desk laptop would run it. The desk is played by a
Socket.IO client that does what the desk page's print at check-in does: on
an admitted scan at its gate, it reads the badge state and posts the print
job. The time runs from the scan's request to the moment the printer job is
`sent` (CUPS took it into its queue), seen by polling every 5 ms.
"""
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import GATE  # noqa: E402
from printer_servers import HAVE_CUPS, Cups  # noqa: E402

EV = "/api/v1/events/bench"
DESK = "bench desk"


def desk_screen(url: str, token: str, desk_client, jobs: queue.Queue):
    """A desk with print at check-in on the north gate: each admitted arrival's badge is printed."""
    import socketio

    client = socketio.Client(reconnection=False)

    def on_scan(scan):
        if scan.get("gate") != "north" or scan.get("status") != "ok" or not scan.get("ticket_id"):
            return
        status, data, _ = desk_client.call("GET", f"{EV}/tickets/{scan['ticket_id']}/badge")
        badge = json.loads(data)["badge"]
        if badge["layout"] is not None and badge["prints"] == 0:
            status, data, _ = desk_client.call("POST", f"{EV}/print-jobs", {"ticket_ids": [scan["ticket_id"]],
                                                                           "desk": DESK})
            jobs.put(json.loads(data)["id"] if status == 201 else data)
    client.on("scan", on_scan, namespace="/live")
    client.connect(f"http://{url}", namespaces=["/live"], auth={"token": token}, transports=["websocket"],
                   wait_timeout=30)
    assert client.call("join", {"event": "bench", "scans": "all"}, namespace="/live", timeout=30)["ok"]
    return client


def wait_sent(watch, job_id: int, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, data, _ = watch.call("GET", f"{EV}/print-jobs/{job_id}")
        state = json.loads(data)["printer_job"]["state"]
        if state in ("sent", "printed"):
            return time.perf_counter()
        if state == "failed":
            raise SystemExit(f"print job {job_id} failed: {data[:300]}")
        time.sleep(0.005)
    raise SystemExit(f"print job {job_id} did not reach the printer")


def run_agent(host: str, env: dict, made, scans: int, bulk: int) -> list[tuple[str, str]]:
    from print_jobs import Client, pct

    if not HAVE_CUPS:
        raise SystemExit("--agent needs cupsd, lpadmin and cups-pdf (apt-get install cups printer-driver-cups-pdf)")
    desk, token, ids, admin, tickets = made
    codes = {t["id"]: t["code"] for t in tickets}
    admin.call("POST", f"{EV}/gates", {"code": "north", "name": "North", "zone": "Main hall",
                                       "admits": [t[0] for t in __import__("print_jobs").TYPES]})
    root = Path(tempfile.mkdtemp(prefix="gate-bench-cups-"))
    cups = Cups(root)
    for name, media in (("Label printer", "label-4x3"), ("Sheet printer", "a4-9")):
        status, data, _ = admin.call("POST", f"{EV}/printers", {"name": name, "desk": DESK, "language": "pdf",
                                                                 "connection": f"cups:{cups.queue}", "media": media})
        assert status == 201, data
    agent = subprocess.Popen([GATE, "print-agent", "--server", f"http://{host}", "--token", token, "--event", "bench",
                              "--desk", DESK, "--cups-server", cups.server, "--wait", "20"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    jobs: queue.Queue = queue.Queue()
    screen = desk_screen(host, token, Client(host, token), jobs)
    watch = Client(host, token)
    rows = []
    try:
        time.sleep(1.0)  # the agent's first look at the printers
        delays = []
        for ticket_id in ids[:scans]:
            started = time.perf_counter()
            status, data, _ = admin.call("POST", f"{EV}/scans", {"code": codes[ticket_id], "gate": "north"})
            assert status == 200 and json.loads(data)["status"] == "ok", data[:300]
            job_id = jobs.get(timeout=30)
            assert isinstance(job_id, int), job_id
            delays.append((wait_sent(watch, job_id) - started) * 1000)
        rows.append((f"scan at a gate -> badge in the CUPS queue ({scans} arrivals), p50 / p95",
                     f"{pct(delays, 50):.0f} / {pct(delays, 95):.0f} ms"))

        batch = ids[scans:scans + bulk]
        started = time.perf_counter()
        status, data, _ = desk.call("POST", f"{EV}/print-jobs", {"ticket_ids": batch, "page": "a4-9", "desk": DESK})
        assert status == 201, data[:300]
        taken = wait_sent(watch, json.loads(data)["id"], timeout=120) - started
        rows.append((f"{len(batch)} badges on a4-9 to the CUPS queue (render, log, agent, IPP)",
                     f"{taken:.2f} s, {len(batch) / taken:.0f} badges/s"))
    finally:
        screen.disconnect()
        agent.terminate()
        agent.wait(20)
        cups.close()
        shutil.rmtree(root, ignore_errors=True)
    return rows
