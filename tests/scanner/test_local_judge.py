"""Judging at the gate from a stored pack: the server's rules, without the server."""

from __future__ import annotations

import base64
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from checkin.tickets.codes import Signer, new_key_pair
from scanner.gate_pack import GatePack, pack_path, tickets_of
from scanner.local_judge import WrongDirection, direction_at, judge_here, remember_answer
from scanner.rules import AdmissionFacts
from scanner.ticket_codes import barcode_digest

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
KID, PRIVATE, PUBLIC = new_key_pair()
SIGN = Signer(KID, PRIVATE)
BARCODE_KEY = b"k" * 32


def hashed(code: str, generation: int = 1) -> dict[str, Any]:
    """A ticket's foreign barcode as the server's pack carries it."""
    return {"barcode_hash": {"hash": barcode_digest(BARCODE_KEY, code), "generation": generation}}


def ticket(serial: int, **changes: Any) -> dict[str, Any]:
    return {"serial": serial, "generation": 1, "state": "valid", "blocked": False, "name": f"Guest {serial}",
            "type": "GA", "type_name": "General", "barcode": None, **changes}


def full_pack(*tickets: dict[str, Any], **gate: Any) -> dict[str, Any]:
    return {"gate": {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"], "direction": "both",
                     "reentry": False, "opens_at": None, "closes_at": None, **gate},
            "keys": [{"kid": KID, "public_key": base64.b64encode(PUBLIC).decode()}],
            "types": {"GA": {"name": "General", "zones": [], "valid_from": None, "valid_until": None},
                      "VIP": {"name": "VIP", "zones": ["lounge"], "valid_from": None, "valid_until": None}},
            "barcode_key": base64.b64encode(BARCODE_KEY).decode(), "tickets": list(tickets), "cursor": 10,
            "incremental": False}


@pytest.fixture
def pack(tmp_path: Path) -> Any:
    with GatePack(pack_path(tmp_path / "queue.sqlite3")) as made:
        yield made


def verdict(pack: GatePack, code: str, direction: str = "in", now: datetime = NOW) -> str:
    answer = judge_here(pack, code, direction, now)
    return answer["reason"] or answer["status"]


def test_the_servers_refusals_in_its_order(pack: GatePack) -> None:
    pack.apply(full_pack(ticket(1), ticket(2, state="void"), ticket(3, blocked=True), ticket(4, state="pending"),
                         ticket(5, type="VIP"), ticket(6, generation=2)))
    assert [verdict(pack, SIGN.code(n, 1)) for n in range(1, 7)] == [
        "ok", "void", "blocked", "unpaid", "not_admitted", "revoked"]
    assert verdict(pack, SIGN.code(6, 3)) == "invalid", "a generation the server never made"
    assert verdict(pack, SIGN.code(99, 1)) == "invalid", "a ticket the pack does not know"
    assert verdict(pack, Signer(KID + 1, new_key_pair()[1]).code(1, 1)) == "invalid", "an unknown key"
    assert verdict(pack, "hello") == "invalid"
    # Exits are always allowed; this gate has no re-entry.
    assert verdict(pack, SIGN.code(1, 1)) == "duplicate"
    assert verdict(pack, SIGN.code(1, 1), "out") == "ok"
    assert verdict(pack, SIGN.code(1, 1)) == "duplicate"


def test_reentry_opening_hours_and_direction(pack: GatePack) -> None:
    pack.apply(full_pack(ticket(1), reentry=True, direction="in",
                         closes_at=(NOW + timedelta(hours=1)).isoformat()))
    code = SIGN.code(1, 1)
    assert verdict(pack, code) == "ok" and verdict(pack, code) == "duplicate"
    pack.remember(1, AdmissionFacts(False, NOW, "North"))
    assert verdict(pack, code) == "ok", "back in after an exit: this gate allows re-entry"
    pack.remember(1, AdmissionFacts(False, NOW, "North"))
    assert verdict(pack, code, now=NOW + timedelta(hours=2)) == "invalid_time"
    assert direction_at(pack.gate, None) == "in"
    with pytest.raises(WrongDirection, match="only takes 'in'"):
        direction_at(pack.gate, "out")


def test_incremental_packs_and_foreign_barcodes(pack: GatePack, tmp_path: Path) -> None:
    pack.apply(full_pack(ticket(1, **hashed("EXT-1")), ticket(2)))
    answer = judge_here(pack, "EXT-1", "in", NOW)
    assert answer["status"] == "ok" and answer["ticket"]["holder"]["name"] == "Guest 1"
    # A transfer: a new generation, and the printed barcode no longer names the ticket.
    pack.apply({**full_pack(ticket(1, generation=2, name="New Holder", **hashed("EXT-1"))), "incremental": True,
                "cursor": 12})
    assert pack.cursor == 12 and len(pack) == 2
    answer = judge_here(pack, "EXT-1", "in", NOW)
    assert answer["reason"] == "revoked" and "New Holder" in answer["message"]
    # The pack outlives the process.
    pack.close()
    with GatePack(pack_path(tmp_path / "queue.sqlite3")) as again:
        assert again.loaded and again.cursor == 12 and verdict(again, SIGN.code(2, 1)) == "ok"


def test_a_malformed_pack_changes_nothing(pack: GatePack) -> None:
    pack.apply(full_pack(ticket(1)))
    with pytest.raises(ValueError, match="malformed"):
        pack.apply({**full_pack(ticket(2)), "keys": [{"kid": 1, "public_key": "not base64!"}]})
    with pytest.raises(ValueError, match="malformed"):
        pack.apply({"tickets": "nope"})
    assert pack.cursor == 10 and len(pack) == 1


def test_leaving_without_having_entered_leaves_no_trace(pack: GatePack) -> None:
    pack.apply(full_pack(ticket(1)))
    assert verdict(pack, SIGN.code(1, 1), "out") == "ok"
    assert pack.admission(1) is None
    assert verdict(pack, SIGN.code(1, 1)) == "ok", "as the server: no admission, so a first entry"


def test_another_events_code_is_wrong_event_when_the_pack_lists_its_key(pack: GatePack) -> None:
    other_kid, other_private, other_public = new_key_pair()
    foreign_code = Signer(other_kid, other_private).code(1, 1)
    pack.apply(full_pack(ticket(1)))
    assert verdict(pack, foreign_code) == "invalid", "an older server's pack: the key is unknown"
    pack.apply({**full_pack(ticket(1)), "other_keys": [
        {"kid": other_kid, "public_key": base64.b64encode(other_public).decode()}]})
    assert verdict(pack, foreign_code) == "wrong_event"
    forged = Signer(other_kid, new_key_pair()[1]).code(1, 1)
    assert verdict(pack, forged) == "invalid", "the other event's key id, not its signature"


def test_what_the_server_said_is_remembered_for_later(pack: GatePack) -> None:
    pack.apply(full_pack(ticket(1), ticket(2)))
    first = {"at": "2030-06-01T09:30:00+00:00", "gate": "south", "gate_name": "South Gate"}
    remember_answer(pack, SIGN.code(1, 1), {"status": "refused", "reason": "duplicate", "first_entry": first})
    assert judge_here(pack, SIGN.code(1, 1), "in", NOW)["message"] == "Already entered 09:30 at South Gate"
    remember_answer(pack, SIGN.code(2, 1), {"status": "ok", "reason": None, "first_entry": None,
                                            "scan": {"at": NOW.isoformat(), "direction": "in"}})
    assert pack.admission(2) == AdmissionFacts(True, NOW, "North")


def test_a_pack_file_of_an_older_client_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.pack.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE keys (kid INTEGER PRIMARY KEY, public_key TEXT NOT NULL);
        CREATE TABLE tickets (serial INTEGER PRIMARY KEY, body TEXT NOT NULL);
        CREATE TABLE barcodes (code TEXT PRIMARY KEY, serial INTEGER NOT NULL, current INTEGER NOT NULL);
        CREATE TABLE presence (serial INTEGER PRIMARY KEY, state TEXT NOT NULL, at REAL NOT NULL);
    """)
    old.execute("INSERT INTO barcodes VALUES ('EXT-OLD', 1, 0)")
    old.execute("INSERT INTO presence VALUES (1, 'in', ?)", (NOW.timestamp(),))
    old.commit()
    old.close()
    with GatePack(path) as upgraded:
        older_server = {**full_pack(ticket(1, generation=2)), "incremental": True, "barcode_key": None}
        upgraded.apply(older_server)
        assert upgraded.by_barcode("EXT-OLD") == (upgraded.ticket(1), 0), "kept as not current: revoked"
        assert judge_here(upgraded, "EXT-OLD", "in", NOW)["reason"] == "revoked"
        assert upgraded.admission(1) == AdmissionFacts(True, NOW, "North")
        assert upgraded.cursor == 0, "a pack without a barcode key is fetched whole from a newer server"
        upgraded.apply(full_pack(ticket(1, generation=2, **hashed("EXT-NEW", 2))))
        assert upgraded.by_barcode("EXT-OLD") is None, "the plain barcodes of before are gone"
        assert judge_here(upgraded, "EXT-NEW", "out", NOW)["status"] == "ok"
        stored = {row[0] for row in sqlite3.connect(path).execute("SELECT code FROM barcodes")}
        assert stored == {barcode_digest(BARCODE_KEY, "EXT-NEW")}, "only the hash is on disk"


def test_without_names_the_gate_names_the_ticket_by_its_serial(pack: GatePack) -> None:
    pack.apply(full_pack(ticket(7, name=None, **hashed("EXT-7"))))
    answer = judge_here(pack, "EXT-7", "in", NOW)
    assert answer["message"] == "Welcome Ticket #7 - General"
    assert answer["ticket"]["holder"]["name"] == "Ticket #7" and answer["ticket"]["serial"] == 7


def compact(pack: dict[str, Any]) -> dict[str, Any]:
    """A format 1 pack in format 2 (as checkin/gate/offline.py writes it): one array per field."""
    rows = pack["tickets"]
    states, type_codes = ["valid", "void", "pending"], ["GA", "VIP"]
    serials = [t["serial"] for t in rows]
    columns = {"count": len(rows), "serial": serials[:1] + [b - a for a, b in zip(serials, serials[1:])],
               "generation": [t["generation"] for t in rows], "state": [states.index(t["state"]) for t in rows],
               "blocked": [int(t["blocked"]) for t in rows], "type": [type_codes.index(t["type"]) for t in rows],
               "name": [t.get("name") for t in rows],
               "barcode_hash": [(t.get("barcode_hash") or {}).get("hash") for t in rows],
               "barcode_generation": [(t.get("barcode_hash") or {}).get("generation") for t in rows]}
    return {**pack, "version": 2, "names": True, "tickets": columns, "states": states, "type_codes": type_codes}


def test_the_compact_pack_judges_as_the_one_it_encodes(pack: GatePack) -> None:
    tickets = [ticket(3), ticket(7, state="void"), ticket(8, blocked=True), ticket(20, type="VIP", type_name="VIP"),
               ticket(21, generation=2, **hashed("EXT-21")), ticket(22, **hashed("EXT-22"))]
    assert tickets_of(compact(full_pack(*tickets))) == tickets
    assert pack.apply(compact(full_pack(*tickets))) == 6
    assert [verdict(pack, code) for code in (SIGN.code(3, 1), SIGN.code(7, 1), SIGN.code(8, 1), SIGN.code(20, 1),
                                             SIGN.code(21, 1), "EXT-21", "EXT-22", SIGN.code(4, 1))] == \
        ["ok", "void", "blocked", "not_admitted", "revoked", "revoked", "ok", "invalid"]


def test_a_malformed_compact_pack_changes_nothing(pack: GatePack) -> None:
    good = compact(full_pack(ticket(1), ticket(2)))
    pack.apply(good)
    short = {**good, "tickets": {**good["tickets"], "generation": [1]}}
    no_such_state = {**good, "tickets": {**good["tickets"], "state": [0, 5]}}
    from_the_end = {**good, "tickets": {**good["tickets"], "type": [0, -1]}}
    for bad in (short, no_such_state, from_the_end, {**good, "states": None}):
        with pytest.raises(ValueError, match="malformed"):
            pack.apply({**bad, "cursor": 99})
    assert pack.cursor == 10 and len(pack) == 2
