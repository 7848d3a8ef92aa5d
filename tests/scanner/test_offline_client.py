"""The gate client against a real `gate serve` that goes away and comes back.

The server runs as its own process on a SQLite file; stopping it is a real
outage (connection refused), and starting it again on the same port and file
is the way back. The client judges from its gate pack meanwhile, and its
queue is uploaded once afterwards.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import requests

from live_servers import GATE, prepare
from scanner.client import run
from scanner.feedback import Feedback
from scanner.gate_pack import GatePack
from scanner.outbox import Outbox
from scanner.reader import FrameReader
from scanner.remote import GateServer
from scanner.sources import image_frames
from scanner.station import Station
from scanner.synthetic import gate_frame, webcam_look
from scanner.ticket_codes import parse
from scanner.verdicts import Verdict

GATE_SCAN = str(Path(sys.executable).with_name("gate-scan"))
# Names in the gate pack: these tests read who the gate let in offline (by default it says "Ticket #N").
EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00", "gate_pack_names": True}


class Server:
    """`gate serve` on one port and one SQLite file, stopped and started at will."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        url = f"sqlite:///{tmp / 'gate.db'}"
        self.tokens = prepare(url, tmp)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # Re-reads off: every scan in these tests is judged, however quick the test.
        self.env = {**os.environ, "GATE_DATABASE_URL": url, "GATE_SECRET_KEY": "test",
                    "GATE_REREAD_SECONDS": "0"}
        self.env.pop("GATE_REDIS_URL", None)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.tmp / "serve.log", "ab") as log:
            self.process = subprocess.Popen([GATE, "serve", "--port", str(self.port), "--threads", "8"],
                                            env=self.env, cwd=self.tmp, stdout=log, stderr=log,
                                            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.tmp / "serve.log").read_text()
            try:
                if requests.get(f"{self.url}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("gate serve did not start")

    def stop(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # a pulled plug: no goodbye to the clients
        self.process.wait(30)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, role: str = "admin") -> Any:
        answer = requests.request(method, f"{self.url}/api/v1/events/ev{path}", json=body, timeout=30,
                                  headers={"Authorization": f"Bearer {self.tokens[role]}"})
        assert answer.status_code < 300, answer.text
        return answer.json()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """An event with General tickets g0-g5, a VIP one and a General one with a foreign barcode (ext).

    Gates north (General only) and south (both) let people in and out of the hall.
    """
    made = Server(tmp_path)
    made.start()
    requests.post(f"{made.url}/api/v1/events", json=EVENT, timeout=30,
                  headers={"Authorization": f"Bearer {made.tokens['admin']}"}).raise_for_status()
    for code, name in (("GA", "General"), ("VIP", "VIP")):
        made.call("POST", "/ticket-types", {"code": code, "name": name, "capacity": 20, "badge_type": name})
    for code, admits in (("north", ["GA"]), ("south", ["GA", "VIP"])):
        made.call("POST", "/gates", {"code": code, "name": code.title(), "zone": "hall", "admits": admits,
                                     "direction": "both"})
    issued = made.call("POST", "/tickets", {"tickets": [
        *({"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(6)),
        {"type": "VIP", "holder": {"name": "Very Important"}},
        {"type": "GA", "holder": {"name": "Sold Elsewhere"}, "barcode": "EXT-000123"}]})["tickets"]
    made.tickets = {**{f"g{i}": t for i, t in enumerate(issued[:6])}, "vip": issued[6], "ext": issued[7]}
    yield made
    if made.process and made.process.poll() is None:
        made.stop()


def forged(code: str) -> str:
    """The same claim with one signature bit flipped: well formed, not signed by the event."""
    raw = bytearray(base64.b32decode(code))
    raw[-1] ^= 1
    return base64.b32encode(bytes(raw)).decode()


def folder_of(tmp: Path, name: str, codes: Iterable[str]) -> Path:
    """A folder of gate frames, one code each, in order, as `gate-scan --images` reads them."""
    folder = tmp / name
    folder.mkdir()
    rng = np.random.default_rng(7)
    for index, code in enumerate(codes):
        cv2.imwrite(str(folder / f"{index:03}.png"), gate_frame(rng, code, webcam_look(rng)))
    return folder


def until(done: Callable[[], bool], what: str, timeout: float = 10.0) -> Iterator[np.ndarray]:
    """Empty frames, so the station keeps ticking, until done() holds; fails after `timeout`."""
    blank = np.full((360, 640, 3), 200, np.uint8)
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not {what} within {timeout} s"
        yield blank
        time.sleep(0.02)


class Gate:
    """One gate-scan station in this process: its own device, queue and pack, printing into lists."""

    def __init__(self, server: Server, tmp: Path, code: str) -> None:
        self.lines: list[str] = []
        self.alarms: list[str] = []
        self.outbox = Outbox(tmp / f"{code}.sqlite3")
        self.pack = GatePack(tmp / f"{code}.pack.sqlite3")
        self.remote = GateServer(server.url, server.tokens["gate"], "ev", timeout=(1.0, 10.0))
        self.station = Station(self.remote, self.outbox, code, f"{code}-1", retry_every=0.05,
                               show=self.lines.append, alarm=self.alarms.append, pack=self.pack,
                               refresh_every=0.05)
        self.reader = FrameReader(budget_ms=5000.0, forget_after=0.0)
        self.station.start()

    def run(self, frames: Iterable[np.ndarray]) -> None:
        run(frames, self.reader, self.station)

    def close(self) -> None:
        self.remote.close()
        self.outbox.close()
        self.pack.close()


@pytest.fixture
def gates(server: Server, tmp_path: Path) -> Iterator[Callable[[str], Gate]]:
    opened: list[Gate] = []

    def open_gate(code: str) -> Gate:
        opened.append(Gate(server, tmp_path, code))
        return opened[-1]

    yield open_gate
    for gate in opened:
        gate.close()


def test_the_gate_judges_from_its_pack_while_the_server_is_down(server, gates, tmp_path) -> None:
    t = {name: ticket["code"] for name, ticket in server.tickets.items()}
    north, south = gates("north"), gates("south")
    assert len(north.pack) == 8 and north.station.online

    g5 = parse(t["g5"]).serial

    def void_g5() -> Iterator[np.ndarray]:
        server.call("POST", f"/tickets/{server.tickets['g5']['id']}/void", {"reason": "refund"})
        # The pack learns it incrementally while online, before the outage.
        yield from until(lambda: north.pack.ticket(g5)["state"] == "void", "void in the pack")

    north.run(image_frames(folder_of(tmp_path, "online", [t["g0"]])))
    north.run(void_g5())
    assert north.lines[0].startswith("OK") and "Guest 0" in north.lines[0]

    server.stop()
    scanned = [t["g1"], t["g1"], t["g0"], t["g5"], forged(t["g3"]), t["vip"], t["g2"]]
    north.run(image_frames(folder_of(tmp_path, "offline", scanned)))
    south.run(image_frames(folder_of(tmp_path, "south", [t["g2"]])))

    assert not north.station.online and "OFFLINE" in north.alarms[0] and "gate pack" in north.alarms[0]
    verdicts = [line.split()[:3] for line in north.lines[1:]]
    assert verdicts == [["OFFLINE", "OK", "-"], ["OFFLINE", "REFUSED", "duplicate"],
                        ["OFFLINE", "REFUSED", "duplicate"], ["OFFLINE", "REFUSED", "void"],
                        ["OFFLINE", "REFUSED", "invalid"], ["OFFLINE", "REFUSED", "not_admitted"],
                        ["OFFLINE", "OK", "-"]]
    assert "Guest 1" in north.lines[1] and "General" in north.lines[1]
    assert "VIP is not admitted at North" in north.lines[6]
    assert len(north.outbox) == 7 and len(south.outbox) == 1
    queued = north.outbox.oldest(100)

    server.start()
    north.run(until(lambda: north.station.online and not len(north.outbox), "uploaded from north"))
    south.run(until(lambda: south.station.online and not len(south.outbox), "uploaded from south"))
    assert any(a.startswith("*** ONLINE again") for a in north.alarms)
    assert "7 offline scans uploaded, 0 conflicts" in north.alarms[-1]
    # g2 was let in offline by both gates: the later upload is the conflict.
    assert any("CONFLICT: Guest 2" in a for a in south.alarms), south.alarms
    assert "1 offline scans uploaded, 1 conflicts" in south.alarms[-1]
    assert south.lines[-1].startswith("LATE CONFLICT")

    # Sending north's queue again changes nothing: each nonce is judged once.
    again = north.remote.batch([{k: v for k, v in scan.items() if k != "local_verdict"} for scan in queued])
    assert all(answer["repeat"] for answer in again)
    counts = server.call("GET", "/counts")
    assert counts["gates"]["north"] == {"zone": "hall", "entries": 3, "exits": 0, "duplicates": 2, "refused": {
        "duplicate": 2, "void": 1, "invalid": 1, "not_admitted": 1}}
    assert counts["gates"]["south"]["duplicates"] == 1 and counts["gates"]["south"]["entries"] == 0
    assert counts["zones"]["hall"]["checked_in"] == 3 and counts["zones"]["hall"]["inside"] == 3


def test_gate_scan_restarted_while_offline_judges_from_the_stored_pack(server, tmp_path) -> None:
    t = {name: ticket["code"] for name, ticket in server.tickets.items()}
    server.call("POST", f"/tickets/{server.tickets['g5']['id']}/transfer",
                {"holder": {"name": "New Holder"}, "reason": "gift"})
    queue = tmp_path / "north.sqlite3"

    def gate_scan(name: str, codes: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([GATE_SCAN, "--server", server.url, "--gate", "north", "--event", "ev",
                               "--images", str(folder_of(tmp_path, name, codes)), "--queue", str(queue),
                               "--device", "north-cli", "--repeat-after", "0"],
                              env={**os.environ, "GATE_TOKEN": server.tokens["gate"]},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        return done

    online = gate_scan("online", [t["g3"]])
    assert online.stdout.startswith("OK") and "Guest 3" in online.stdout
    assert (tmp_path / "north.pack.sqlite3").is_file()

    server.stop()
    offline = gate_scan("offline", [t["g3"], t["g4"], t["ext"], t["g5"], "NOT-OURS-123"])
    assert "*** OFFLINE" in offline.stderr and "Judging tickets HERE" in offline.stderr
    lines = offline.stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["OFFLINE", "REFUSED", "duplicate"], ["OFFLINE", "OK", "-"], ["OFFLINE", "OK", "-"],
        ["OFFLINE", "REFUSED", "revoked"], ["OFFLINE", "REFUSED", "invalid"]]
    assert "Sold Elsewhere" in lines[2] and "now belongs to New Holder" in lines[3]
    assert "5 still queued" in offline.stderr

    server.start()
    # Another gate, online again first, lets g4 in before this gate's queue arrives.
    assert server.call("POST", "/scans", {"code": t["g4"], "gate": "south"}, role="gate")["status"] == "ok"
    back = gate_scan("back", [])
    assert "5 offline scans uploaded, 1 conflicts, 0 still queued" in back.stderr
    assert "CONFLICT: Guest 3" not in back.stderr and "CONFLICT: Guest 4" in back.stderr
    assert sum(line.startswith("LATE") for line in back.stdout.splitlines()) == 5
    counts = server.call("GET", "/counts")
    assert counts["gates"]["north"] == {"zone": "hall", "entries": 2, "exits": 0, "duplicates": 2, "refused": {
        "duplicate": 2, "revoked": 1, "invalid": 1}}
    assert counts["zones"]["hall"]["checked_in"] == 3


def test_gate_scan_explains_a_bad_images_folder_even_offline(tmp_path) -> None:
    # Port 9 (discard) refuses connections: the client starts offline, without a pack.
    done = subprocess.run([GATE_SCAN, "--server", "http://127.0.0.1:9", "--gate", "north", "--event", "ev",
                           "--images", str(tmp_path / "missing"), "--queue", str(tmp_path / "q.sqlite3")],
                          env={**os.environ, "GATE_TOKEN": "t"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a folder" in done.stderr and "Traceback" not in done.stderr
    assert "No gate pack" in done.stderr


def test_the_pack_comes_compact_and_compressed_and_unchanged_is_a_304(server, tmp_path) -> None:
    """gate-scan asks for format 2, gets it gzip or br, keeps its ETag (across a restart too) and is
    answered 304 with no body while nothing changed; a change brings a pack again."""
    seen: list[requests.Response] = []

    def station_with(pack: GatePack) -> Station:
        remote = GateServer(server.url, server.tokens["gate"], "ev")
        remote.http.hooks["response"].append(lambda response, **_: seen.append(response))
        return Station(remote, Outbox(tmp_path / "q.sqlite3"), "north", "north-1", pack=pack,
                       show=lambda _line: None, alarm=lambda _line: None)

    with GatePack(tmp_path / "q.pack.sqlite3") as pack:
        station = station_with(pack)
        assert station.refresh_pack() and len(pack) == 8
        first = seen[-1]
        assert first.status_code == 200 and "format=2" in first.url and "since" not in first.url
        assert first.headers["Content-Encoding"] in ("gzip", "br") and first.headers["Vary"] == "Accept-Encoding"
        assert pack.etag == first.headers["ETag"]
        assert station.refresh_pack()  # what changed since the whole pack: nothing, said once
        assert seen[-1].status_code == 200 and "since=" in seen[-1].url and len(seen[-1].content) < 1000
        before = pack.refreshed_at
        time.sleep(0.01)
        assert station.refresh_pack()
        assert seen[-1].status_code == 304 and seen[-1].request.headers["If-None-Match"] == pack.etag
        assert seen[-1].content == b"" and pack.refreshed_at > before and len(pack) == 8

        server.call("POST", f"/tickets/{server.tickets['g5']['id']}/void", {"reason": "refund"})
        assert station.refresh_pack() and seen[-1].status_code == 200 and "since=" in seen[-1].url
        assert pack.ticket(parse(server.tickets["g5"]["code"]).serial)["state"] == "void"
        assert pack.etag == seen[-1].headers["ETag"]
        assert station.refresh_pack() and seen[-1].status_code == 200  # nothing since the void

    with GatePack(tmp_path / "q.pack.sqlite3") as again:  # gate-scan started again: the stored ETag holds
        assert station_with(again).refresh_pack() and seen[-1].status_code == 304


class Shown:
    """The verdicts the window would show, in order (the window itself is tested in test_window.py)."""

    def __init__(self) -> None:
        self.verdicts: list[Verdict] = []

    def show_frame(self, frame: np.ndarray) -> None:
        pass

    def show_verdict(self, verdict: Verdict) -> None:
        self.verdicts.append(verdict)

    def show_online(self, online: bool) -> None:
        pass


def test_a_group_on_one_sheet_is_judged_once_each_with_one_verdict(server, gates) -> None:
    t = {name: ticket["code"] for name, ticket in server.tickets.items()}
    # Guest 2 came in through the south gate before the group arrived.
    assert server.call("POST", "/scans", {"code": t["g2"], "gate": "south"}, role="gate")["status"] == "ok"
    north = gates("north")
    north.reader = FrameReader(budget_ms=5000.0, forget_after=60.0)
    group = [t[f"g{i}"] for i in range(5)]
    rng = np.random.default_rng(5)
    # The sheet held up for a few frames, moving a little: one judgement per ticket all the same.
    frames = [gate_frame(rng, group, webcam_look(rng, module_px=4.0, angle=float(rng.uniform(-6, 6))))
              for _ in range(3)]
    shown = Shown()
    run(frames, north.reader, north.station, Feedback(screen=shown))

    *singles, summary = north.lines
    assert sorted(line.split()[0] for line in singles) == ["OK"] * 4 + ["REFUSED"]
    assert summary == "GROUP    4 of 5 admitted - 1 already in: Guest 2"
    (verdict,) = shown.verdicts
    assert (verdict.tone, verdict.word, verdict.detail) == ("warn", "4 OF 5", "1 already in: Guest 2")
    counts = server.call("GET", "/counts")
    assert counts["gates"]["north"]["entries"] == 4 and counts["gates"]["north"]["duplicates"] == 1


def test_a_group_offline_is_judged_from_the_pack(server, gates) -> None:
    t = {name: ticket["code"] for name, ticket in server.tickets.items()}
    north = gates("north")
    north.reader = FrameReader(budget_ms=5000.0, forget_after=60.0)
    server.stop()
    rng = np.random.default_rng(6)
    # North admits General only: the VIP ticket on the sheet is refused.
    north.run([gate_frame(rng, [t["g0"], t["vip"], t["g1"]], webcam_look(rng, module_px=4.0))])
    assert north.lines[-1] == "OFFLINE GROUP    2 of 3 admitted - 1 not admitted: Very Important"
    assert len(north.outbox) == 3
