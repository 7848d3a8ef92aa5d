"""The gate client's parts: the HTTP calls, the offline queue, the station logic, the loop.

No server runs here: HTTP answers come from a stub transport, and the
station talks to an in-memory stand-in with the same two methods.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import requests
from requests.adapters import BaseAdapter

from scanner.client import default_queue, parse_args, run
from scanner.outbox import Outbox
from scanner.reader import FrameReader
from scanner.remote import GateServer, Offline, Refused
from scanner.station import Station, result_line
from scanner.synthetic import gate_frame, ticket_code, webcam_look

OK = {"status": "ok", "reason": None, "message": "Welcome!", "repeat": False,
      "ticket": {"holder": {"name": "Ada Lovelace"}, "type": {"code": "VIP", "name": "VIP pass"}}}


class StubTransport(BaseAdapter):
    """Answers every request with the next canned (status, body) or raises the next exception."""

    def __init__(self, *answers: tuple[int, Any] | Exception) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def stub_server(*answers: tuple[int, Any] | Exception) -> tuple[GateServer, StubTransport]:
    transport = StubTransport(*answers)
    http = requests.Session()
    http.mount("https://", transport)
    return GateServer("https://gate.example.org/", "secret-token", "expo 2025", http=http), transport


def test_scan_posts_json_with_the_bearer_token() -> None:
    server, transport = stub_server((200, OK))
    assert server.scan({"code": "ABC", "gate": "A"}) == OK
    (sent,) = transport.requests
    assert sent.method == "POST"
    assert sent.url == "https://gate.example.org/api/v1/events/expo%202025/scans"
    assert sent.headers["Authorization"] == "Bearer secret-token"
    assert json.loads(sent.body or b"{}") == {"code": "ABC", "gate": "A"}


def test_batch_returns_one_answer_per_scan() -> None:
    server, transport = stub_server((200, {"scans": [OK, OK], "conflicts": 0}))
    assert server.batch([{"nonce": "1"}, {"nonce": "2"}]) == [OK, OK]
    assert transport.requests[0].url.endswith("/scans/batch")


@pytest.mark.parametrize(
    "answer",
    [requests.ConnectionError("down"), requests.Timeout("slow"), (500, {"title": "oops"}), (503, b"busy"),
     (429, {"title": "slow down"}), (200, b"<html>captive portal</html>"), (200, [1, 2])],
    ids=["no network", "timeout", "500", "503", "429", "not JSON", "not an object"],
)
def test_failures_worth_retrying_are_offline(answer: Any) -> None:
    server, _ = stub_server(answer)
    with pytest.raises(Offline):
        server.scan({"code": "ABC"})


def test_refusals_carry_the_problem_detail() -> None:
    server, _ = stub_server((403, {"type": "about:blank", "title": "Forbidden", "status": 403,
                                   "detail": "This token may only scan at its own gate, not at B."}))
    with pytest.raises(Refused) as refused:
        server.scan({"code": "ABC", "gate": "B"})
    assert refused.value.status == 403
    assert "own gate" in refused.value.detail


def test_a_short_batch_answer_is_not_trusted() -> None:
    server, _ = stub_server((200, {"scans": [OK]}))
    with pytest.raises(Offline):
        server.batch([{"nonce": "1"}, {"nonce": "2"}])


def test_server_must_be_a_url() -> None:
    with pytest.raises(ValueError, match="http"):
        GateServer("gate.example.org", "t", "e")


def test_outbox_keeps_scans_in_order_and_once(tmp_path: Path) -> None:
    path = tmp_path / "queue" / "gate.sqlite3"
    with Outbox(path) as outbox:
        outbox.put({"nonce": "a", "code": "Zoë 東京"})
        outbox.put({"nonce": "b", "code": "B"})
        outbox.put({"nonce": "a", "code": "changed"})
        assert len(outbox) == 2
        with pytest.raises(ValueError, match="nonce"):
            outbox.put({"code": "no nonce"})
    with Outbox(path) as again:
        assert again.oldest() == [{"nonce": "a", "code": "Zoë 東京"}, {"nonce": "b", "code": "B"}]
        again.remove(["a"])
        assert again.oldest(10) == [{"nonce": "b", "code": "B"}]


class FakeServer:
    """Judges scans in memory; `down` makes it unreachable, `refuse` makes it say 422."""

    def __init__(self) -> None:
        self.down = False
        self.refuse: set[str] = set()
        self.scans: list[dict[str, Any]] = []
        self.batches = 0

    def scan(self, scan: dict[str, Any]) -> dict[str, Any]:
        if self.down:
            raise Offline("cannot reach the server: ConnectionError")
        if scan["code"] in self.refuse:
            raise Refused(422, "code: contains control characters")
        self.scans.append(scan)
        return {**OK, "message": f"Welcome {scan['code']}"}

    def batch(self, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.down:
            raise Offline("cannot reach the server: ConnectionError")
        if any(s["code"] in self.refuse for s in scans):
            raise Refused(422, "scans.0.code: contains control characters")
        self.batches += 1
        self.scans += scans
        return [{**OK, "conflict": False} for _ in scans]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def station(tmp_path: Path) -> Any:
    outbox = Outbox(tmp_path / "q.sqlite3")
    server, clock = FakeServer(), Clock()
    shown: list[str] = []
    alarms: list[str] = []
    made = Station(server, outbox, "HALL-A", "test-device", retry_every=10.0,
                   show=shown.append, alarm=alarms.append, clock=clock)
    yield made, server, clock, shown, alarms
    outbox.close()


def test_online_scans_are_sent_and_printed(station: Any) -> None:
    made, server, _, shown, alarms = station
    assert made.scan("CODE1")["status"] == "ok"
    (sent,) = server.scans
    assert sent["gate"] == "HALL-A" and sent["device"] == "test-device" and len(sent["nonce"]) == 32
    assert sent["scanned_at"][-6] in "+-"  # an offset, as the API wants
    assert "Ada Lovelace" in shown[0] and "VIP pass" in shown[0] and not alarms


def test_offline_scans_are_queued_loudly_then_sent_as_a_batch(station: Any) -> None:
    made, server, clock, shown, alarms = station
    server.down = True
    made.scan("CODE1")
    made.scan("CODE2")
    assert len(made.outbox) == 2 and not made.online
    assert len(alarms) == 1 and "OFFLINE" in alarms[0]
    assert all(line.startswith("OFFLINE") for line in shown)
    server.down = False
    clock.now = 5.0
    made.tick()
    assert server.batches == 0, "no retry before it is due"
    clock.now = 11.0
    made.tick()
    assert made.online and len(made.outbox) == 0 and "ONLINE" in alarms[-2]
    assert "2 offline scans uploaded, 0 conflicts" in alarms[-1]
    assert [s["code"] for s in server.scans] == ["CODE1", "CODE2"]
    assert all(s["offline"] is True for s in server.scans)
    assert shown[-1].startswith("LATE OK")


def test_queued_scans_go_before_new_ones(station: Any) -> None:
    made, server, _, _, _ = station
    made.outbox.put({"code": "EARLIER", "gate": "HALL-A", "nonce": "n1", "offline": True})
    made.scan("LATER")
    assert [s["code"] for s in server.scans] == ["EARLIER", "LATER"]


def test_refusals_are_never_queued(station: Any) -> None:
    made, server, clock, _, alarms = station
    server.refuse.add("BAD\x07")
    assert made.scan("BAD\x07") is None
    assert len(made.outbox) == 0 and "REFUSED" in alarms[-1]
    # A refused scan inside a batch is dropped; the others are still sent.
    server.down = True
    made.scan("GOOD")
    made.outbox.put({"code": "BAD\x07", "gate": "HALL-A", "nonce": "n2", "offline": True})
    server.down = False
    clock.now = 20.0
    made.tick()
    assert len(made.outbox) == 0
    assert [s["code"] for s in server.scans] == ["GOOD"]
    assert any("REJECTED" in line for line in alarms)


def test_result_lines() -> None:
    line = result_line({"status": "refused", "reason": "duplicate", "message": "Already inside since 10:02",
                        "repeat": True, "ticket": {"holder": {"name": "Grace"}, "type": {"code": "GEN"}}}, late=True)
    assert line.startswith("LATE REFUSED  duplicate")
    assert "Grace" in line and "GEN" in line and line.endswith("Already inside since 10:02 (repeat)")
    unknown = {"status": "refused", "reason": "invalid", "message": "Unknown code", "ticket": None}
    assert result_line(unknown).startswith("REFUSED  invalid      -")
    assert result_line({**OK, "conflict": True}).startswith("CONFLICT")


def test_the_loop_sends_each_ticket_once(station: Any, tmp_path: Path) -> None:
    made, server, _, _, _ = station
    rng = np.random.default_rng(21)
    first, second = ticket_code(rng), ticket_code(rng)
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, code in enumerate([first, first, None, second]):
        cv2.imwrite(str(folder / f"{index:03}.png"), gate_frame(rng, code, webcam_look(rng)))
    (folder / "notes.txt").write_text("not a frame")
    from scanner.sources import image_frames

    run(image_frames(folder), FrameReader(budget_ms=5000.0, forget_after=60.0), made)
    assert [s["code"] for s in server.scans] == [first, second]


def test_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GATE_TOKEN", "from-env")
    base = ["--server", "http://localhost:5000", "--gate", "A", "--event", "expo"]
    args = parse_args([*base, "--images", str(tmp_path)])
    assert args.token == "from-env" and args.images == tmp_path and args.direction is None
    monkeypatch.delenv("GATE_TOKEN")
    with pytest.raises(SystemExit):
        parse_args(base)
    with pytest.raises(SystemExit):
        parse_args([*base, "--token", "t", "--camera", "0", "--video", "v.mp4"])
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_queue("expo/2025", "HALL A") == tmp_path / "gate-scan" / "expo_2025-HALL_A.sqlite3"


def test_group_summary_names_who_was_not_admitted_by_reason() -> None:
    from scanner.verdicts import group_summary, group_verdict

    duplicate = {"status": "refused", "reason": "duplicate", "ticket": {"holder": {"name": "Grace Hopper"}}}
    invalid = {"status": "refused", "reason": "invalid", "ticket": None}
    repeat = {**OK, "repeat": True}
    assert group_summary([OK, OK]) == "2 of 2 admitted"
    assert group_summary([OK, duplicate, invalid, None]) == (
        "1 of 4 admitted - 1 already in: Grace Hopper; 1 invalid; 1 not judged")
    assert group_summary([OK, repeat]) == "1 of 2 admitted - 1 already scanned: Ada Lovelace"
    # Green when all got in, orange when the rest were only used already, red for any other refusal.
    assert [group_verdict(answers).tone for answers in ([OK, OK], [OK, duplicate], [OK, invalid])] == [
        "ok", "warn", "refused"]
    assert group_verdict([OK, duplicate], offline=True).detail == "1 already in: Grace Hopper - judged offline"
