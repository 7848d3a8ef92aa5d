"""The shared judge vectors against the server (through the HTTP API) and the gate client's
local judge (from the server's own gate pack for the same event): one set of rules.

The browser's judge runs the same vectors in tests/browser/test_judge_vectors.py.
"""
import pytest
from judge_vectors import Case, ServerRecords, expected, load_vectors, outcome, set_up

import checkin.gate.admissions
from scanner.gate_pack import GatePack
from scanner.local_judge import WrongDirection, direction_at, judge_here

VECTORS = load_vectors()


@pytest.fixture(params=VECTORS, ids=[v["name"] for v in VECTORS])
def vector(request) -> dict:
    return request.param


@pytest.fixture
def case(app, admin, vector) -> Case:
    return set_up(vector, admin, ServerRecords(app), "ev")


class Clock:
    """The server's clock, set to each scan's time: messages and hours depend on it."""

    def __init__(self):
        self.now = None

    def __call__(self):
        return self.now


def test_the_server_judges_as_the_vectors_say(admin, case, vector, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(checkin.gate.admissions, "utcnow", clock)
    for i, prior in enumerate(case.priors):
        clock.now = prior.at
        r = admin.post(f"/api/v1/events/{case.slug}/scans", prior.body(f"prior-{i}"))
        assert r.status_code == 200 and r.json["status"] == "ok", r.json
    clock.now = case.scan.at
    r = admin.post(f"/api/v1/events/{case.slug}/scans", case.scan.body("gate-1"))
    if "error" in vector["expect"]:
        assert r.status_code == 422 and "direction" in r.json["errors"], r.json
        return
    assert r.status_code == 200, r.json
    assert outcome(r.json) == vector["expect"]


@pytest.mark.parametrize("pack_format", [2, 1])
def test_the_gate_client_judges_as_the_vectors_say(admin, case, vector, tmp_path, pack_format):
    """From the compact pack the client asks for, and from the format older clients still get."""
    pack_json = admin.get(f"/api/v1/events/{case.slug}/gate-pack?gate={case.scan.gate}&format={pack_format}").json
    assert pack_json.get("version", 1) == pack_format
    with GatePack(tmp_path / "gate.pack.sqlite3") as pack:
        pack.apply(pack_json)
        if case.admission:
            pack.remember(case.serial, case.admission)
        try:
            direction = direction_at(pack.gate, case.scan.direction)
        except WrongDirection:
            assert vector["expect"] == {"error": "wrong_direction"}
            return
        assert outcome(judge_here(pack, case.scan.code, direction, case.scan.at)) == expected(vector, offline=True)
