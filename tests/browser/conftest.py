"""Real headless Chromium against the app served on a loopback port."""
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_migrate import stamp
from werkzeug.serving import make_server

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LAN_NAME = "gate.lan"
SCREENSHOTS = Path(os.environ.get("GATE_SCREENSHOTS", Path(__file__).parent / "screenshots"))

if not Path(CHROMIUM).exists():
    if os.environ.get("GATE_TEST_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is required for the browser tests")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def serve(app, port: int = 0):
    """Serve `app` from a thread on 127.0.0.1:`port` (0: a free one); returns the server."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def live_app(tmp_path):
    """The app on a file SQLite database, served by a threaded server on a free port
    (app.config["LIVE_SERVER"], which server_power stops and starts again)."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'gate.db'}", "SECRET_KEY": "test"})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
        stamp()
    server = app.config["LIVE_SERVER"] = serve(app)
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    app.config["LIVE_SERVER"].shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def server_power(live_app):
    """stop(): the live server goes away (its port refuses connections); start(): back on the same port."""
    def stop():
        server = live_app.config["LIVE_SERVER"]
        server.shutdown()
        server.server_close()

    def start():
        live_app.config["LIVE_SERVER"] = serve(live_app, int(live_app.config["LIVE_URL"].rsplit(":", 1)[1]))
    return SimpleNamespace(stop=stop, start=start)


@pytest.fixture
def live_token(live_app):
    def make(role: str, event: str | None = None) -> str:
        with live_app.app_context():
            return create_token(role, event)
    return make


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def lan(playwright):
    """Chromium that resolves gate.lan to this machine, and lan.origin(port): a plain-HTTP origin
    that is not a secure context (no camera, no crypto.subtle, no crypto.randomUUID), as a
    tablet on the venue's network reaches the server."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=[*FLAGS, f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1"])
    yield SimpleNamespace(browser=chromium, origin=lambda port: f"http://{LAN_NAME}:{port}")
    chromium.close()


@pytest.fixture
def camera_page(playwright):
    """camera_page(video) -> a page whose camera is Chromium's fake device playing a .y4m file.
    no_detector: the page has no BarcodeDetector (as Safari and Firefox), whatever this Chromium has.
    lan_port: gate.lan resolves here and http://gate.lan:<port> counts as secure, as a venue sets up a
    tablet's Chrome (chrome://flags, "Insecure origins treated as secure") to have a camera on plain HTTP."""
    opened = []

    def make(video: Path, *, size=(1280, 800), touch=False, no_detector=False, lan_port=None):
        args = FLAGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                        f"--use-file-for-fake-video-capture={video}"]
        if lan_port:
            args += [f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1",
                     f"--unsafely-treat-insecure-origin-as-secure=http://{LAN_NAME}:{lan_port}"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        opened.append(browser)
        page = browser.new_page(viewport={"width": size[0], "height": size[1]}, has_touch=touch)
        if no_detector:
            page.add_init_script("delete window.BarcodeDetector;")
        return page

    yield make
    for browser in opened:
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot(page, request):
    """screenshot(name): save the page for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return take
