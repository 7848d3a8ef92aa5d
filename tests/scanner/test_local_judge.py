"""Judging at the gate from a stored pack: the server's rules, without the server."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from checkin.tickets.codes import Signer, new_key_pair
from scanner.gate_pack import GatePack, pack_path
from scanner.local_judge import WrongDirection, direction_at, judge_here

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
KID, PRIVATE, PUBLIC = new_key_pair()
SIGN = Signer(KID, PRIVATE)


def ticket(serial: int, **changes: Any) -> dict[str, Any]:
    return {"serial": serial, "generation": 1, "state": "valid", "blocked": False, "name": f"Guest {serial}",
            "type": "GA", "type_name": "General", "barcode": None, **changes}


def full_pack(*tickets: dict[str, Any], **gate: Any) -> dict[str, Any]:
    return {"gate": {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"], "direction": "both",
                     "reentry": False, "opens_at": None, "closes_at": None, **gate},
            "keys": [{"kid": KID, "public_key": base64.b64encode(PUBLIC).decode()}],
            "types": {"GA": {"name": "General", "zones": [], "valid_from": None, "valid_until": None},
                      "VIP": {"name": "VIP", "zones": ["lounge"], "valid_from": None, "valid_until": None}},
            "tickets": list(tickets), "cursor": 10, "incremental": False}


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
    pack.record(1, "out")
    assert verdict(pack, code) == "ok", "back in after an exit: this gate allows re-entry"
    pack.record(1, "out")
    assert verdict(pack, code, now=NOW + timedelta(hours=2)) == "invalid_time"
    assert direction_at(pack.gate, None) == "in"
    with pytest.raises(WrongDirection, match="only takes 'in'"):
        direction_at(pack.gate, "out")


def test_incremental_packs_and_foreign_barcodes(pack: GatePack, tmp_path: Path) -> None:
    pack.apply(full_pack(ticket(1, barcode="EXT-1"), ticket(2)))
    answer = judge_here(pack, "EXT-1", "in", NOW)
    assert answer["status"] == "ok" and answer["ticket"]["holder"]["name"] == "Guest 1"
    # A transfer: a new generation, and the printed barcode no longer names the ticket.
    pack.apply({**full_pack(ticket(1, generation=2, name="New Holder")), "incremental": True, "cursor": 12})
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
