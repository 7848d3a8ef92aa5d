"""The shared judge vectors (tests/vectors/judge.json), and setting one up on a running server.

Every runner builds the vector's event through the HTTP API, so the server,
the gate client (from the server's own gate pack) and the browser judge the
same tickets and codes; only the server needs the prior scans replayed, the
others are told the admission as a fact.
"""
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from checkin.extensions import db
from checkin.models import Event, SigningKey, Ticket
from checkin.tickets.codes import Signer, new_key_pair
from scanner.rules import AdmissionFacts
from scanner.ticket_codes import BODY, VERSION, parse

VECTORS_FILE = Path(__file__).parent / "vectors" / "judge.json"
PREVIOUS_HOLDER = "Previous Holder"
ORDER = 2**252 + 27742317777372353535851937790883648493  # L, the order of Ed25519's base point
MOVED = ("previous_generation", "barcode_moved_on", "forged_generation")  # codes from before a transfer


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_vectors() -> list[dict]:
    """Every vector, its defaults merged in."""
    data = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    return [_merged(data["defaults"], vector) for vector in data["vectors"]]


@dataclass(frozen=True)
class Scan:
    """A scan to send to the server, at a given time."""

    gate: str
    direction: str | None
    at: datetime
    code: str

    def body(self, device: str) -> dict:
        """The request body of this scan from `device`."""
        body = {"code": self.code, "gate": self.gate, "device": device}
        return body | ({"direction": self.direction} if self.direction else {})


@dataclass(frozen=True)
class Case:
    """A vector set up on the server: the scan to judge and what came before it."""

    slug: str
    scan: Scan
    serial: int  # the ticket's serial, to tell the gate its admission
    admission: AdmissionFacts | None
    priors: list[Scan] = field(default_factory=list)  # how the server comes to that admission


class ServerRecords:
    """What the API does not hand out, read from the server's database: signers and serials."""

    def __init__(self, app) -> None:
        self.app = app

    def signer(self, slug: str) -> Signer:
        """The event's own signer, to make codes no ticket was issued with."""
        with self.app.app_context():
            key = db.session.execute(select(SigningKey).join(Event, Event.id == SigningKey.event_id)
                                     .where(Event.slug == slug)).scalar_one()
            return Signer(key.kid, key.private_key)

    def serial(self, ticket_id: int) -> int:
        """A ticket's serial, which names it in the gate pack."""
        with self.app.app_context():
            return db.session.scalar(select(Ticket.serial).where(Ticket.id == ticket_id))


def set_up(vector: dict, admin, records: ServerRecords, slug: str) -> Case:
    """Create the vector's event, types, gates and ticket through the API; the case to judge."""
    at = datetime.fromisoformat(vector["at"])
    _event(admin, slug, vector["timezone"], at, names=vector["names"])
    for code, kind in vector["types"].items():
        _post(admin, f"/api/v1/events/{slug}/ticket-types", {"code": code, "capacity": 100, "badge_type": "General",
                                                            **kind})
    gate = vector["gate"]
    _post(admin, f"/api/v1/events/{slug}/gates", {k: v for k, v in gate.items() if v is not None})
    ticket, code = _ticket(admin, slug, vector)
    admission, priors = _admission(admin, slug, vector, ticket["code"], at)
    text = _code(vector, admin, records.signer, slug, ticket, code, at)
    return Case(slug, Scan(gate["code"], vector["direction"], at, text), records.serial(ticket["id"]), admission,
                priors)


def _post(admin, path: str, body: dict) -> dict:
    r = admin.post(path, body)
    assert r.status_code in (200, 201), (path, r.json)
    return r.json


def _event(admin, slug: str, timezone: str, at: datetime, names: bool = False) -> None:
    _post(admin, "/api/v1/events", {"slug": slug, "name": f"Event {slug}", "timezone": timezone,
                                    "starts_at": (at - timedelta(days=2)).isoformat(),
                                    "ends_at": (at + timedelta(days=2)).isoformat(), "gate_pack_names": names})


def _ticket(admin, slug: str, vector: dict) -> tuple[dict, str]:
    """The ticket as the vector has it now, and the code it had first."""
    facts = vector["ticket"]
    moved = vector["code"] in MOVED
    row = {"type": facts["type"], "holder": {"name": PREVIOUS_HOLDER if moved else facts["holder"]},
           "state": "pending" if facts["state"] == "pending" else "valid"}
    if facts["barcode"]:
        row["barcode"] = facts["barcode"] if isinstance(facts["barcode"], str) else f"EXT-{slug}"
    ticket = _post(admin, f"/api/v1/events/{slug}/tickets", {"tickets": [row]})["tickets"][0]
    first_code, base = ticket["code"], f"/api/v1/events/{slug}/tickets/{ticket['id']}"
    if moved:
        ticket["code"] = _post(admin, f"{base}/transfer", {"holder": {"name": facts["holder"]},
                                                          "reason": "sold to a friend"})["code"]
    if facts["state"] == "void":
        _post(admin, f"{base}/void", {"reason": "refunded"})
    if facts["blocked"]:
        _post(admin, f"{base}/block", {"reason": "fraud check"})
    return ticket, first_code


def _admission(admin, slug: str, vector: dict, code: str, at: datetime) -> tuple[AdmissionFacts | None, list[Scan]]:
    """The admission the vector starts from, and the scans that make the server hold it."""
    facts = vector["admission"]
    if facts is None:
        return None, []
    gate, first, first_at = vector["gate"], facts["first_gate"], datetime.fromisoformat(facts["first_at"])
    if first["code"] != gate["code"]:
        _post(admin, f"/api/v1/events/{slug}/gates", {"code": first["code"], "name": first["name"],
                                                      "zone": gate["zone"], "admits": list(vector["types"])})
    priors = [Scan(first["code"], "in", first_at, code)]
    if not facts["inside"]:
        _post(admin, f"/api/v1/events/{slug}/gates", {"code": "exit", "name": "Exit", "zone": gate["zone"],
                                                      "admits": list(vector["types"]), "direction": "out"})
        priors.append(Scan("exit", "out", first_at + timedelta(minutes=1), code))
    assert priors[-1].at < at, "a vector's admission must come before its scan"
    return AdmissionFacts(facts["inside"], first_at, first["name"]), priors


def _code(vector: dict, admin, signer: Callable[[str], Signer], slug: str, ticket: dict, first_code: str,
          at: datetime) -> str:
    """The text the gate reads, as the vector's `code` says."""
    kind = vector["code"]
    if kind == "text":
        return vector["text"]
    if kind in ("previous_generation", "barcode_moved_on"):
        return first_code
    if kind == "other_event":
        other = f"{slug}-other"
        _event(admin, other, vector["timezone"], at)
        _post(admin, f"/api/v1/events/{other}/ticket-types", {"code": "GA", "name": "General", "capacity": 10,
                                                             "badge_type": "General"})
        return _post(admin, f"/api/v1/events/{other}/tickets",
                     {"tickets": [{"type": "GA", "holder": {"name": "Someone Else"}}]})["tickets"][0]["code"]
    claim = parse(ticket["code"])
    if kind == "forged":
        return ticket["code"][:100] + ("B" if ticket["code"][100] != "B" else "C") + ticket["code"][101:]
    if kind == "unknown_serial":
        return signer(slug).code(claim.serial + 1000, 1)
    if kind == "future_generation":
        return signer(slug).code(claim.serial, claim.generation + 1)
    if kind == "forged_key":
        return Signer(claim.kid, new_key_pair()[1]).code(claim.serial, claim.generation)
    if kind == "forged_generation":
        old = parse(first_code)
        return _encoded(BODY.pack(VERSION, old.kid, old.serial, claim.generation), old.signature)
    if kind == "malleable":
        s = int.from_bytes(claim.signature[32:], "little") + ORDER
        return _encoded(claim.body, claim.signature[:32] + s.to_bytes(32, "little"))
    assert kind == "current", f"unknown code kind {kind!r}"
    return ticket["code"]


def _encoded(body: bytes, signature: bytes) -> str:
    return base64.b32encode(body + signature).decode("ascii")


def outcome(answer: dict[str, Any]) -> dict:
    """What a vector pins of an answer."""
    return {"status": answer["status"], "reason": answer["reason"], "message": answer["message"]}


def expected(vector: dict, offline: bool) -> dict:
    """What a vector expects of the server, or of a judge working from the gate pack (`offline`)."""
    return {**vector["expect"], **(vector.get("offline") or {})} if offline else vector["expect"]
