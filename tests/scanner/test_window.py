"""The preview window of `gate-scan`, for real on an Xvfb display.

A station judging real ticket codes (read from generated gate frames) feeds
the window through `Feedback`, as the client does; what the window shows
is read back from its Tk widgets and grabbed from the X display as a PNG
under tests/browser/screenshots/. Skipped without the `Xvfb` binary
(Debian's `xvfb` package) or Tk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from helpers import glared
from scanner.client import _run_with_window, run
from scanner.feedback import Feedback
from scanner.gate_pack import GatePack
from scanner.outbox import Outbox
from scanner.reader import FrameReader
from scanner.remote import Offline
from scanner.sources import image_frames
from scanner.station import Station
from scanner.synthetic import gate_frame, ticket_code, webcam_look
from scanner.verdicts import COLOURS

tk = pytest.importorskip("tkinter", reason="Tk is not installed (Debian: python3-tk)")
SHOTS = Path(__file__).resolve().parents[1] / "browser" / "screenshots"
ADA = {"holder": {"name": "Ada Lovelace"}, "type": {"code": "VIP", "name": "VIP pass"}}


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A private X display (Xvfb picks a free number and tells it); its name, e.g. ':93'."""
    if shutil.which("Xvfb") is None:
        pytest.skip("no Xvfb binary (Debian: apt-get install xvfb): the window is not tested")
    read, write = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                               pass_fds=[write], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as told:
        number = told.readline().strip()
    if not number:
        process.kill()
        process.wait()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    process.terminate()
    process.wait(10)


class Judge:
    """The server, in memory: a fixed answer per code, or unreachable while `down`."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.down = False
        self.pack: dict[str, Any] | None = None  # the gate pack it hands out, if any

    def scan(self, scan: dict[str, Any]) -> dict[str, Any]:
        if self.down:
            raise Offline("cannot reach the server: ConnectionError")
        return self.answers[scan["code"]]

    def batch(self, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise Offline("cannot reach the server: ConnectionError")

    def gate_pack(self, gate: str, since: int = 0, etag: str | None = None) -> dict[str, Any]:
        if self.pack is None:
            raise Offline("cannot reach the server: ConnectionError")
        return self.pack


@pytest.fixture
def gate(xvfb: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """(window, feedback, station, judge) on the Xvfb display; the window is closed afterwards."""
    from scanner.window import GateWindow

    monkeypatch.setenv("DISPLAY", xvfb)
    window = GateWindow(threading.Event(), hold=0.6, title="gate-scan test")
    feedback = Feedback(screen=window)
    judge = Judge()
    outbox = Outbox(tmp_path / "q.sqlite3")
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        feedback.note(line)

    station = Station(judge, outbox, "north", "test-1", retry_every=60.0, show=log, alarm=log)
    yield window, feedback, station, judge
    if window.root is not None:
        window.close()
    outbox.close()


def frames_of(tmp: Path, code: str) -> Iterator[np.ndarray]:
    """A folder with one generated gate frame showing `code`, read as gate-scan --images reads it."""
    folder = tmp / code[:12]
    folder.mkdir()
    rng = np.random.default_rng(len(code))
    cv2.imwrite(str(folder / "000.png"), gate_frame(rng, code, webcam_look(rng)))
    return image_frames(folder)


def pump(window: Any, until: Callable[[], bool], timeout: float = 3.0) -> None:
    """Let Tk run (this test thread is Tk's) until `until()` holds."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"the window still shows {window.state()}"
        window.root.update()
        time.sleep(0.01)
    for _ in range(5):  # let the layout settle before a screenshot
        window.root.update()
        time.sleep(0.02)


def screenshot(window: Any, display: str, name: str) -> Path:
    """The window as the X server shows it, saved as a PNG; its path is printed."""
    from PIL import ImageGrab

    root = window.root
    x, y = root.winfo_rootx(), root.winfo_rooty()
    image = ImageGrab.grab(bbox=(x, y, x + root.winfo_width(), y + root.winfo_height()), xdisplay=display)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"gate-window-{name}.png"
    image.save(path)
    print(f"screenshot: {path}")
    return path


def pixel(path: Path, x: float, y: float) -> str:
    """The colour at a point given as fractions of the image's width and height, as #rrggbb."""
    image = cv2.imread(str(path))
    b, g, r = image[int(y * image.shape[0]), int(x * image.shape[1])]
    return f"#{r:02x}{g:02x}{b:02x}"


def test_each_verdict_shows_big_in_its_colour_then_ready_again(gate, xvfb, tmp_path) -> None:
    window, feedback, station, judge = gate
    # The event is in India: a first entry from an earlier day shows on its clock, with the date.
    judge.pack = {"gate": {"code": "north", "name": "North", "zone": "hall", "admits": ["VIP"],
                           "timezone": "Asia/Kolkata"}, "keys": [], "tickets": [], "cursor": 1}
    station.pack = GatePack(tmp_path / "pack.sqlite3")
    rng = np.random.default_rng(5)
    welcome, again, cancelled = (ticket_code(rng) for _ in range(3))
    judge.answers = {
        welcome: {"status": "ok", "reason": None, "message": "Welcome, enjoy the show", "ticket": ADA},
        again: {"status": "refused", "reason": "duplicate", "message": "Already inside", "ticket": ADA,
                "first_entry": {"at": "2026-05-01T10:42:07+00:00", "gate": "south", "gate_name": "South"}},
        cancelled: {"status": "refused", "reason": "void", "ticket": ADA,
                    "message": "Ticket cancelled - send to the box office"},
    }
    expected = {
        "ok": (welcome, "OK", COLOURS["ok"], "Welcome, enjoy the show", ""),
        "duplicate": (again, "DUPLICATE", COLOURS["warn"], "Already inside", "First entry Fri 1 May 16:12 at South"),
        "void": (cancelled, "VOID", COLOURS["refused"], "Ticket cancelled - send to the box office", ""),
    }
    for name, (code, word, colour, message, detail) in expected.items():
        run(frames_of(tmp_path, code), FrameReader(budget_ms=5000.0), station, feedback)
        pump(window, lambda: window.state()["word"] == word)
        shown = window.state()
        assert shown == {"word": word, "holder": "Ada Lovelace", "kind": "VIP pass", "message": message,
                         "detail": detail, "colour": colour, "banner": "", "banner_colour": "", "hint": ""}
        shot = screenshot(window, xvfb, name)
        assert pixel(shot, 0.97, 0.97) == colour, "the panel fills the right-hand side"
        assert pixel(shot, 0.2, 0.5) != "#000000", "the camera frame is shown on the left"
    pump(window, lambda: window.state()["word"] == "READY")
    assert window.state()["colour"] == COLOURS["ready"] and window.state()["holder"] == ""
    screenshot(window, xvfb, "ready")
    station.pack.close()


def test_offline_shows_a_banner_and_unchecked_scans(gate, xvfb, tmp_path) -> None:
    window, feedback, station, judge = gate
    judge.down = True
    run(frames_of(tmp_path, ticket_code(np.random.default_rng(8))), FrameReader(budget_ms=5000.0), station, feedback)
    pump(window, lambda: window.state()["word"] == "NOT CHECKED")
    shown = window.state()
    assert shown["banner"].startswith("OFFLINE") and shown["banner_colour"] == COLOURS["offline"]
    assert shown["colour"] == COLOURS["warn"] and "offline rules" in shown["message"]
    shot = screenshot(window, xvfb, "offline")
    assert pixel(shot, 0.5, 0.02) == COLOURS["offline"], "the banner runs across the top"
    judge.down = False
    feedback.state(True)
    pump(window, lambda: window.state()["banner"] == "")


def test_a_code_seen_but_not_read_shows_a_hint_under_the_picture_until_one_is_read(gate, xvfb, tmp_path) -> None:
    window, feedback, station, judge = gate
    reader = FrameReader(budget_ms=5000.0, hint_after=0.0)  # at once: the second's wait is the reader's own test
    run(iter([glared()] * 2), reader, station, feedback)
    pump(window, lambda: window.state()["hint"] == "Tilt the phone: glare")
    shot = screenshot(window, xvfb, "hint")
    assert pixel(shot, 0.01, 0.97) == "#facc15", "yellow under the camera's picture, where its holder looks"
    assert window.state()["word"] == "READY", "a hint is no verdict"
    run(iter([np.full((720, 1280), 128, np.uint8)]), reader, station, feedback)  # nothing code-like in view
    pump(window, lambda: window.state()["hint"] == "")


@pytest.mark.parametrize("key", ["q", "Escape"])
def test_a_key_stops_the_camera_loop_and_closes_the_window(gate, key) -> None:
    window, feedback, station, _ = gate
    blank = np.full((720, 1280, 3), 180, np.uint8)
    read: list[threading.Thread] = []

    def camera() -> Iterator[np.ndarray]:
        while True:  # a camera never ends by itself
            read.append(threading.current_thread())
            yield blank
            time.sleep(0.005)

    window.root.after(300, lambda: window.root.event_generate(f"<Key-{key}>" if len(key) == 1 else f"<{key}>"))
    window.root.after(250, window.root.focus_force)
    started = time.monotonic()
    _run_with_window(window, lambda stop: run(camera(), FrameReader(), station, feedback, stop))
    assert window.stop.is_set() and window.root is None
    assert time.monotonic() - started < 5
    assert read and all(thread is not threading.main_thread() for thread in read), "frames are read off Tk's thread"


GATE_SCAN = str(Path(sys.executable).with_name("gate-scan"))


def gate_scan(tmp: Path, *extra: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """`gate-scan` on a folder of two real ticket codes; port 9 refuses: offline from the start, no pack."""
    folder = tmp / "frames"
    folder.mkdir()
    rng = np.random.default_rng(11)
    for index in range(2):
        cv2.imwrite(str(folder / f"{index:03}.png"), gate_frame(rng, ticket_code(rng), webcam_look(rng)))
    command = [GATE_SCAN, "--server", "http://127.0.0.1:9", "--gate", "north", "--event", "ev", "--images", str(folder),
               "--queue", str(tmp / "q.sqlite3"), "--repeat-after", "0", *extra]
    return subprocess.Popen(command, env={**os.environ, "GATE_TOKEN": "t", **env}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_gate_scan_opens_its_window_on_a_display_and_closes_after_the_last_verdict(xvfb, tmp_path) -> None:
    from PIL import ImageGrab

    client = gate_scan(tmp_path, "--hold", "2", env={"DISPLAY": xvfb})
    assert client.stdout is not None
    first = client.stdout.readline()
    assert first.startswith("OFFLINE  queued"), first
    time.sleep(0.6)  # the window takes verdicts every few milliseconds
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "gate-window-gate-scan.png"
    ImageGrab.grab(xdisplay=xvfb).save(shot)
    print(f"screenshot: {shot}")
    out, err = client.communicate(timeout=20)
    assert client.returncode == 0 and "Traceback" not in err, err
    assert (first + out).count("NOT CHECKED") == 2, "the printed log stays as it was"
    assert "0 scans judged, 2 still queued" in err
    image = cv2.imread(str(shot))
    colours = {f"#{r:02x}{g:02x}{b:02x}" for b, g, r in image.reshape(-1, 3)[::97]}
    assert {COLOURS["offline"], COLOURS["warn"]} <= colours, "the OFFLINE banner and an orange NOT CHECKED"


def test_gate_scan_without_a_display_says_so_and_prints(tmp_path) -> None:
    client = gate_scan(tmp_path, "--window", env={"DISPLAY": ":9999"})
    out, err = client.communicate(timeout=30)
    assert client.returncode == 0 and "Traceback" not in err, err
    assert "gate-scan: no preview window (" in err and "printing only" in err
    assert out.count("NOT CHECKED") == 2
