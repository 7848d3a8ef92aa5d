"""The kiosk against a real `gate serve`, with `gate print-agent` and a private CUPS queue: in portrait
1080x1920 and at 1280x800 a guest scans, confirms and prints, the badge PDF lands in the CUPS queue's
output with the guest's code on it, and the kiosk admits where the event chose."""
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from printer_servers import HAVE_CUPS, Cups, qr_texts_of_pdf

from helpers import NOW, iso
from live_servers import GATE, Node, node_env, prepare

pytestmark = pytest.mark.browser
EV = "/api/v1/events/ev"
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def served_kiosk(tmp_path):
    if not HAVE_CUPS:
        pytest.skip("CUPS with cups-pdf is not installed")
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    tokens = prepare(url, tmp_path)
    env = {**node_env(url, "kiosk-test"), "GATE_REDIS_URL": ""}
    node = Node(env, tmp_path)
    root = Path(tempfile.mkdtemp(prefix="gate-cups-"))
    cups = Cups(root)
    agent = None
    try:
        admin = tokens["admin"]
        assert node.call("POST", "/api/v1/events", admin, {
            "slug": "ev", "name": "Example Conf", "timezone": "UTC", "starts_at": iso(NOW - timedelta(hours=1)),
            "ends_at": iso(NOW + timedelta(days=1))})[0] == 201
        node.call("POST", f"{EV}/ticket-types", admin, {"code": "GA", "name": "General", "capacity": 10,
                                                        "badge_type": "general"})
        node.call("POST", f"{EV}/gates", admin, {"code": "north", "name": "North Gate", "zone": "hall",
                                                 "admits": ["GA"]})
        _, made = node.call("POST", f"{EV}/tickets", admin, {"tickets": [
            {"type": "GA", "holder": {"name": n}} for n in ("Priya Sharma", "Lena Park")]})
        assert node.call("POST", f"{EV}/printers", admin, {
            "name": "Kiosk printer", "desk": "Kiosk 1", "connection": f"cups:{cups.queue}", "language": "pdf",
            "media": "label-4x3"})[0] == 201
        made_tokens = {role: subprocess.run(
            [GATE, "token", "create", "--role", role, "--event", "ev", *extra], env=env, cwd=tmp_path,
            capture_output=True, text=True, check=True).stdout.strip()
            for role, extra in (("kiosk", ("--name", "Kiosk 1")), ("badge_desk", ()))}
        agent = subprocess.Popen([GATE, "print-agent", "--server", node.url, "--token", made_tokens["badge_desk"],
                                  "--event", "ev", "--desk", "Kiosk 1", "--cups-server", cups.server, "--wait", "5"],
                                 env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        yield {"node": node, "admin": admin, "kiosk": made_tokens["kiosk"], "cups": cups,
               "tickets": {t["holder"]["name"]: t for t in made["tickets"]}}
    finally:
        if agent is not None:
            agent.terminate()
            agent.wait(20)
        node.stop()
        cups.close()
        shutil.rmtree(root, ignore_errors=True)


def pdf_of(cups, node, admin, job_id: int) -> Path:
    """The PDF cups-pdf wrote for a print job, once the agent reports it printed (CUPS finished it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, job = node.call("GET", f"{EV}/print-jobs/{job_id}", admin)
        if job["printer_job"]["state"] == "printed":
            found = cups.output(f"gate-{job['printer_job']['key']}")
            assert found is not None, f"no PDF for job {job_id} in {cups.outbox()}"
            return found
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} was not printed: {job['printer_job']}")


@pytest.mark.parametrize("size, guest, admit", [((1080, 1920), "Priya Sharma", None),
                                               ((1280, 800), "Lena Park", "north")])
def test_a_guest_prints_at_a_kiosk_served_by_gate_serve(served_kiosk, browser, tmp_path, size, guest, admit):
    node, admin = served_kiosk["node"], served_kiosk["admin"]
    assert node.call("PUT", f"{EV}/kiosks/Kiosk%201", admin, {"admit_at": admit})[0] == 200
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=True)
    errors = []
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{node.url}/kiosk?token={served_kiosk['kiosk']}&event=ev")
        page.wait_for_selector("body[data-ready]")
        ticket = served_kiosk["tickets"][guest]
        page.keyboard.type(ticket["code"])
        page.keyboard.press("Enter")
        expect(page.locator("#you-name")).to_have_text(guest)
        page.tap("#yes")
        expect(page.locator("#done-title")).to_have_text("Take your badge", timeout=20_000)
        verdict = "You are checked in at North Gate" if admit else "Show your ticket at the entrance"
        expect(page.locator("#done-verdict")).to_contain_text(verdict)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"kiosk-served-{size[0]}x{size[1]}.png"))
    finally:
        ctx.close()
    assert not errors, errors
    _, badge = node.call("GET", f"{EV}/tickets/{ticket['id']}/badge", admin)
    [printed] = badge["prints"]
    assert printed["desk"] == "Kiosk 1"
    pdf = pdf_of(served_kiosk["cups"], node, admin, printed["job_id"])
    assert ticket["code"] in qr_texts_of_pdf(pdf, tmp_path)  # the guest's own code, on paper
    _, detail = node.call("GET", f"{EV}/tickets/{ticket['id']}", admin)
    assert [s["status"] for s in detail["scans"]] == (["ok"] if admit else [])
