"""The gate's camera in a real browser (Chromium's fake camera playing a video of ticket codes):
without BarcodeDetector the page reads frames itself with WebAssembly, with the server there or
gone, on 127.0.0.1 and on a LAN address; a group of codes in one frame is judged once each and
shown as a list; a browser that can run neither sends frames to the server."""
import base64
from pathlib import Path

import cv2
import pytest

from helpers import Api, code_frame, glared, small_event, write_frame_y4m, write_y4m

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
NAMES = ("Aarav Sharma", "Lena Müller", "Yuki Tanaka", "Omar Haddad", "Sofia Rossi")
SIZES = [(390, 844), (1280, 800)]
ALL_SIZES = [(390, 844), (768, 1024), (1024, 768), (1280, 800)]
WASM_LOADED = ("() => performance.getEntriesByType('resource')"
               ".some((e) => e.name.endsWith('/zxing_reader.wasm') && e.responseEnd > 0)")


@pytest.fixture
def venue(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    tickets = small_event(admin, NAMES)
    path = f"/gate?token={live_token('gate', 'ev')}&event=ev&gate=north"
    return {"admin": admin, "tickets": tickets, "path": path, "base": live_app.config["LIVE_URL"],
            "port": int(live_app.config["LIVE_URL"].rsplit(":", 1)[1])}


def entries(venue) -> int:
    return venue["admin"].get("/api/v1/events/ev/counts").json["gates"]["north"]["entries"]


def watch(page) -> dict:
    """What the page did that a test asserts on: errors, console lines, frames sent to the server."""
    seen = {"errors": [], "console": [], "frames": []}
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("request", lambda r: seen["frames"].append(r.url) if "/scans/frame" in r.url else None)
    return seen


def wait_verdict(page, selector: str, seen: dict, timeout: float = 30_000) -> None:
    try:
        page.wait_for_selector(selector, timeout=timeout)
    except Exception:  # say what the page said, not only that it timed out
        camera = page.evaluate("""() => { const v = document.getElementById('camera');
          return { button: document.getElementById('camera-toggle').textContent, stream: !!v.srcObject,
                   video: [v.readyState, v.videoWidth, v.videoHeight],
                   reader: document.getElementById('camera-reader').textContent }; }""")
        raise AssertionError(f"no {selector}: verdict {page.locator('#verdict').inner_text()!r}, message "
                             f"{page.locator('#message').inner_text()!r}, camera {camera}, console {seen['console']}, "
                             f"errors {seen['errors']}") from None


def snap(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"test_gate_camera-{name}.png"))


def test_without_barcode_detector_the_page_reads_the_camera_itself(venue, tmp_path, camera_page):
    video = tmp_path / "code.y4m"
    write_y4m(video, venue["tickets"][2]["code"])
    page = camera_page(video, no_detector=True)
    seen = watch(page)
    page.goto(venue["base"] + venue["path"])
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("'BarcodeDetector' in window") is False
    page.locator("#camera-toggle").click()
    wait_verdict(page, "#result[data-status=ok]", seen)
    assert page.locator("#holder").inner_text() == "Yuki Tanaka"
    assert page.locator("#camera-reader").get_attribute("data-decoder") == "wasm"
    assert page.locator("#camera-reader").inner_text() == "QR: this page (offline too)"
    assert seen["frames"] == [], "frames went to the server although the page reads them"
    snap(page, "wasm-ok")
    # The ticket stays in front of the camera: it is the same one held up, not a second scan.
    page.wait_for_function("() => document.getElementById('verdict').textContent === 'READY'", timeout=10_000)
    page.wait_for_timeout(1500)
    assert page.locator("#verdict").inner_text() == "READY"
    assert entries(venue) == 1
    assert not seen["errors"], seen["errors"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_with_the_server_gone_a_lan_tablet_scans_by_camera_from_its_gate_pack(venue, tmp_path, camera_page,
                                                                             server_power, size):
    """Plain HTTP on a LAN name (allowed a camera as a venue sets its tablets up), touch, no BarcodeDetector:
    the reader is loaded while the server answers, then the server stops; the camera still reads the
    code, the pack judges it, the scan waits in the queue and uploads once the server is back."""
    video = tmp_path / "code.y4m"
    write_y4m(video, venue["tickets"][1]["code"])
    page = camera_page(video, size=size, touch=True, no_detector=True, lan_port=venue["port"])
    seen = watch(page)
    page.goto(f"http://gate.lan:{venue['port']}{venue['path']}")
    page.wait_for_selector("body[data-ready]")
    page.wait_for_function(WASM_LOADED)  # the page loads its reader at start, before any camera
    server_power.stop()
    page.locator("#camera-toggle").tap()
    wait_verdict(page, "#result[data-status=ok]", seen)
    assert page.locator("#offline-banner").is_visible()
    assert page.locator("#message").inner_text().endswith("(offline)")
    assert page.locator("#holder").inner_text().startswith("Ticket #")  # the pack carries no names
    assert page.locator("#queue-size").inner_text() == "1"
    assert page.locator("#camera-reader").get_attribute("data-decoder") == "wasm"
    assert seen["frames"] == []
    snap(page, f"offline-{size[0]}x{size[1]}")
    server_power.start()
    page.wait_for_selector("#offline-banner[hidden]", state="attached", timeout=20_000)
    assert entries(venue) == 1
    assert not seen["errors"], seen["errors"]


@pytest.mark.parametrize("size", ALL_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_group_in_one_frame_is_judged_once_each_and_shown_as_a_list(venue, tmp_path, camera_page, size):
    tickets = venue["tickets"]
    assert venue["admin"].post("/api/v1/events/ev/scans", {"code": tickets[1]["code"],
                                                           "gate": "north"}).json["status"] == "ok"
    video = tmp_path / "group.y4m"
    write_y4m(video, [t["code"] for t in tickets], scale=4, frames=10, size=(1280, 720))
    page = camera_page(video, size=size, touch=True, no_detector=True)
    seen = watch(page)
    page.goto(venue["base"] + venue["path"])
    page.wait_for_selector("body[data-ready]")
    page.locator("#camera-toggle").tap()
    wait_verdict(page, "#result[data-group]", seen)
    assert page.locator("#result").get_attribute("data-group") == "4/5"
    assert page.locator("#verdict").inner_text() == "4 OF 5 IN"
    assert page.locator("#message").inner_text() == "1 already in: Lena Müller"
    lines = page.locator(".group-list li").evaluate_all("lines => lines.map((li) => [li.className, li.textContent])")
    assert sorted(lines) == sorted([["warn", "ALREADY INLena Müller"]]
                                   + [["ok", f"IN{name}"] for name in NAMES if name != "Lena Müller"])
    assert page.locator("#result").evaluate("el => el.classList.contains('warn')")
    snap(page, f"group-{size[0]}x{size[1]}")
    # Fits the screen: the verdict and every line in view without scrolling.
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
    # The group stays in view: nobody is judged twice.
    page.wait_for_function("() => document.getElementById('verdict').textContent === 'READY'", timeout=10_000)
    page.wait_for_timeout(1500)
    assert entries(venue) == 5
    assert not seen["errors"], seen["errors"]


def test_a_browser_that_can_run_neither_sends_frames_to_the_server(venue, tmp_path, camera_page):
    video = tmp_path / "code.y4m"
    write_y4m(video, venue["tickets"][2]["code"])
    page = camera_page(video, no_detector=True)
    page.add_init_script("delete window.WebAssembly;")
    seen = watch(page)
    page.goto(venue["base"] + venue["path"])
    page.wait_for_selector("body[data-ready]")
    page.locator("#camera-toggle").click()
    wait_verdict(page, "#result[data-status=ok]", seen)
    assert page.locator("#holder").inner_text() == "Yuki Tanaka"
    assert page.locator("#camera-reader").get_attribute("data-decoder") == "server"
    assert seen["frames"], "no frame went to the server"
    snap(page, "server-frames")


def test_the_in_page_reader_works_on_a_plain_http_lan_address(venue, lan):
    """No secure context there (so no camera without the venue's browser setting): the reader still loads
    and compiles under the page's policy, and reads a frame with a ticket code."""
    context = lan.browser.new_context(viewport={"width": 1024, "height": 768})
    context.add_init_script("delete window.BarcodeDetector;")
    page = context.new_page()
    seen = watch(page)
    page.goto(lan.origin(venue["port"]) + venue["path"])
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("isSecureContext") is False
    assert page.locator("#camera-toggle").inner_text() == "Camera needs HTTPS"
    code = venue["tickets"][0]["code"]
    png = base64.b64encode(cv2.imencode(".png", code_frame(code, scale=4, size=(1280, 720)))[1].tobytes()).decode()
    read = page.evaluate("""async (png) => {
      const { chooseDecoder } = await import("/static/js/gate-decoders.js");
      const reader = await chooseDecoder();
      const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
      return { name: reader.name, codes: await reader.detect(bitmap) };
    }""", png)
    assert read == {"name": "wasm", "codes": [code]}
    assert not seen["errors"], seen["errors"]
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_code_the_server_sees_but_cannot_read_brings_a_hint_after_a_second(venue, tmp_path, camera_page, size):
    """Frames read by the server (no reader in the page): a ticket washed out by a reflection is seen, not
    read, frame after frame; after about a second the gate says what would help, big enough to read."""
    video = tmp_path / "glare.y4m"
    write_frame_y4m(video, glared())
    page = camera_page(video, size=size, touch=True, no_detector=True)
    page.add_init_script("delete window.WebAssembly;")
    seen = watch(page)
    page.goto(venue["base"] + venue["path"])
    page.wait_for_selector("body[data-ready]")
    page.locator("#camera-toggle").tap()
    page.wait_for_selector("#camera-hint:not([hidden])", timeout=20_000)
    assert page.locator("#camera-hint").inner_text() == "Tilt the phone: glare"
    assert len(seen["frames"]) >= 3, "a hint only after frames over a second, not at the first"
    box = page.locator("#camera-hint").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size[0] and box["height"] >= 30
    assert entries(venue) == 0 and not seen["errors"]
    snap(page, f"hint-{size[0]}x{size[1]}")
