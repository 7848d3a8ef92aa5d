"""What gates need to keep working offline, and taking their scans back in.

The gate pack (`GET .../gate-pack?gate=CODE[&since=CURSOR]`) lets a gate judge
codes without the server, by the same rules (scanner/rules.py). It carries
what a gate needs and no more: a lost tablet or a gate token must not yield
working entry codes or a guest list. Its JSON:

    gate        the gate's rules: code, name, zone, admits, direction, reentry,
                opens_at, closes_at, and timezone (the event's, for the times
                in messages; added later: a gate without it uses its own clock's zone)
    keys        [{kid, public_key}] this event's Ed25519 public keys (base64)
    other_keys  [{kid, public_key}] the other events' keys: a code one of them
                signed reads wrong_event, not invalid (added later; optional)
    types       {code: {name, zones, valid_from, valid_until}}, sent whole every
                time: a type change is not a ticket change
    names       whether tickets carry their holder's `name`: only where the event
                allows it (`gate_pack_names`, off by default); without it a gate
                shows the ticket's type and serial ("Ticket #42")
    barcode_key the event's pack key (base64): a gate hashes a code it cannot
                read as ours with it (scanner.ticket_codes.barcode_digest) and
                looks the hash up. Derived from the event's private signing key,
                so it is the event's own, stable, and stored nowhere else. A
                barcode of few digits can still be found from the key and its
                hash by trying them all: online guessing is throttled (throttle.py)
    tickets     [{serial, generation, state, blocked, type, type_name, name?,
                  barcode: null, barcode_hash?}]: `barcode_hash` {hash, generation},
                present when the ticket has a foreign barcode, says which
                generation the barcode names, so a gate also knows a barcode whose
                ticket moved on is revoked; `barcode` is null (older gates read a
                plain barcode there, which packs no longer carry)
    cursor      the ledger position the pack reflects; asking again with
                `since=cursor` returns only the tickets changed after it (all of
                them, `incremental` false, after the event's settings changed)
    incremental true when only changed tickets are listed

Format 2 (`format=2`; format 1, above, stays the default so deployed clients
keep working) is the same pack with `"version": 2` and the tickets as one
array per field instead of one object per ticket: about 27 rather than 131
bytes per ticket before compression when a quarter of the tickets have a
foreign barcode, and about 5 gzipped (format 1: 8.5; bench/gate_pack.py). Tickets are in
serial order and every array has `tickets.count` entries:

    tickets.serial              the first serial, then each one's difference to
                                the one before (mostly 1: compresses to nearly nothing)
    tickets.generation          the current generation
    tickets.state               an index into `states` (e.g. ["valid", "void"])
    tickets.blocked             0 or 1
    tickets.type                an index into `type_codes` (the codes of `types`)
    tickets.name                the holder's name; only when `names` is true
    tickets.barcode_hash        the foreign barcode's keyed hash, or null
    tickets.barcode_generation  the generation that barcode names, or null

A ticket's `type_name` is its type's `name` in `types`. The barcode hashes are
the whole 128-bit digests of format 1, not shortened: they are random, so
about 17 of the ~20 gzipped bytes a barcode ticket costs, and cutting them to
64 bits would save about 8 bytes per barcode ticket while opening a case the
gate cannot see (two barcodes of one pack with the same short hash, about
1 in 2^31 at 100,000 barcodes, to be found and worked around on every
incremental fetch). The goal (under 30 bytes a ticket gzipped) is met
without it, so a hash stays exactly `barcode_digest`.

How it travels (checkin/gate/wire.py): compressed as the client's
`Accept-Encoding` asks (br, gzip), with a strong ETag, and `304` to an
`If-None-Match` that still matches; tablets asking for the same pack at once
share one build (`pack_parts` says what a pack depends on).
"""
import base64
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select

from scanner.ticket_codes import barcode_digest

from ..driver import Row
from ..errors import DomainError
from ..extensions import db
from ..models import Event, LedgerEntry, SigningKey, Ticket, TicketType, utcnow
from .admissions import ScanRequest, check, gate_for, judge, nonce_conflict, same_request
from .queries import SCAN_BY_NONCES

_PACK_KEY_LABEL = b"gate pack: foreign barcodes"


def gate_pack(gate: Row, since: int = 0, version: int = 1) -> dict:
    """Keys, tickets (all, or changed after `since`) and the cursor for next time, in format `version`."""
    return pack_parts(gate, since, version)[1]()


def pack_parts(gate: Row, since: int = 0, version: int = 1) -> tuple[tuple, Callable[[], dict]]:
    """(what the pack depends on, a function that builds it): the first is a few small reads, the second
    reads every ticket, so packs can be shared while the first is the same (checkin/gate/wire.py).

    Tickets change only with a ledger entry (the incremental pack relies on it too), so the cursor
    stands for them; everything else a pack carries is read here and is part of the first."""
    event_id = gate.event_id
    cursor = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.event_id == event_id)
                               .order_by(LedgerEntry.id.desc()).limit(1)) or 0
    if since and db.session.scalar(select(LedgerEntry.id).where(
            LedgerEntry.event_id == event_id, LedgerEntry.id > since, LedgerEntry.action == "event.update").limit(1)):
        since = 0  # what every ticket carries may have changed (names): the whole pack
    keys = db.session.execute(select(SigningKey.event_id, SigningKey.kid, SigningKey.public_key)
                              .order_by(SigningKey.id)).all()
    types = db.session.execute(select(TicketType.code, TicketType.name, TicketType.zones, TicketType.valid_from,
                                      TicketType.valid_until).where(TicketType.event_id == event_id)
                                .order_by(TicketType.id)).all()
    names = bool(db.session.scalar(select(Event.gate_pack_names).where(Event.id == event_id)))
    key = pack_key(event_id)
    head = {
        "gate": {"code": gate.code, "name": gate.name, "zone": gate.zone, "admits": gate.admits,
                 "direction": gate.direction, "reentry": gate.reentry, "opens_at": _iso(gate.opens_at),
                 "closes_at": _iso(gate.closes_at), "timezone": gate.timezone},
        "keys": [_key(k) for k in keys if k.event_id == event_id],
        "other_keys": [_key(k) for k in keys if k.event_id != event_id],
        "types": {t.code: {"name": t.name, "zones": list(t.zones or []), "valid_from": _iso(t.valid_from),
                           "valid_until": _iso(t.valid_until)} for t in types},
        "names": names,
        "barcode_key": base64.b64encode(key).decode(),
    }

    def build() -> dict:
        query = select(Ticket.serial, Ticket.generation, Ticket.state, Ticket.blocked, Ticket.holder_name,
                       Ticket.barcode, Ticket.barcode_generation, TicketType.code, TicketType.name.label("type_name")
                       ).join(TicketType).where(Ticket.event_id == event_id).order_by(Ticket.serial)
        if since:
            changed = select(LedgerEntry.ticket_id).where(LedgerEntry.event_id == event_id, LedgerEntry.id > since,
                                                          LedgerEntry.ticket_id.is_not(None))
            query = query.where(Ticket.id.in_(changed))
        rows = db.session.execute(query).all()
        pack = {**head, "tickets": [_ticket(t, key, names) for t in rows] if version == 1 else None,
                "cursor": cursor, "incremental": bool(since)}
        if version == 2:
            pack.update(_columns(rows, key, names), version=2)
        return pack

    return (event_id, version, since, cursor, json.dumps(head, sort_keys=True)), build


def pack_key(event_id: int) -> bytes:
    """The event's key for hashing foreign barcodes: an HMAC of a label under its first private signing key."""
    private = db.session.scalar(select(SigningKey.private_key).where(SigningKey.event_id == event_id)
                                .order_by(SigningKey.id).limit(1))
    return hmac.new(private, _PACK_KEY_LABEL, hashlib.sha256).digest()


def _key(key) -> dict:
    return {"kid": key.kid, "public_key": base64.b64encode(key.public_key).decode()}


def _ticket(t, key: bytes, names: bool) -> dict:
    entry = {"serial": t.serial, "generation": t.generation, "state": t.state, "blocked": t.blocked,
             "type": t.code, "type_name": t.type_name, "barcode": None}
    if names:
        entry["name"] = t.holder_name
    if t.barcode:  # only then: most tickets have none, and the pack stays small
        entry["barcode_hash"] = {"hash": barcode_digest(key, t.barcode), "generation": t.barcode_generation}
    return entry


def _columns(rows, key: bytes, names: bool) -> dict:
    """Format 2's tickets, one array per field, and the values its index columns point into."""
    states, type_codes = _values([t.state for t in rows]), _values([t.code for t in rows])
    state_index = {value: i for i, value in enumerate(states)}
    type_index = {value: i for i, value in enumerate(type_codes)}
    serials = [t.serial for t in rows]
    tickets = {
        "count": len(rows),
        "serial": serials[:1] + [b - a for a, b in zip(serials, serials[1:])],
        "generation": [t.generation for t in rows],
        "state": [state_index[t.state] for t in rows],
        "blocked": [int(t.blocked) for t in rows],
        "type": [type_index[t.code] for t in rows],
        "barcode_hash": [barcode_digest(key, t.barcode) if t.barcode else None for t in rows],
        "barcode_generation": [t.barcode_generation if t.barcode else None for t in rows],
    }
    if names:
        tickets["name"] = [t.holder_name for t in rows]
    return {"tickets": tickets, "states": states, "type_codes": type_codes}


def _values(column: list) -> list:
    """The distinct values of a column, most common first (ties in order of appearance)."""
    return [value for value, _count in Counter(column).most_common()]


def _iso(moment):
    return moment.isoformat() if moment else None


def check_batch(slug: str, items: list[dict], device_default: str, binding, actor: str | None = None) -> list[tuple]:
    """Each uploaded scan's (gate, request, direction), once every item passed what could refuse it.

    All or nothing: every item's gate, the token's binding, direction, scan
    time and nonce are checked before any is judged, and the first bad one
    refuses the whole batch (4xx naming `scans.N.field`, and `item`: N).
    """
    checked = _checked(slug, items, device_default, binding, actor)
    _check_stored_nonces(checked)
    return checked


def judge_batch(checked: list[tuple]) -> list[dict]:
    """Judge checked uploads (manual ones too) one by one, each exactly once (by nonce), as of their scan time.

    What judging finds (a duplicate, an invalid code) is an answer per item,
    stored as it comes. An entry a gate allowed offline that the server judges
    a duplicate is a conflict: the person is already in, so it is flagged for
    a supervisor.
    """
    answers = []
    for i, (gate, req, _direction) in enumerate(checked):
        try:
            answer = judge(gate, req, req.device, claimed=True)
        except DomainError as error:  # a nonce another request took meanwhile: the items before it stand
            raise _of_item(error, i) from None
        answer["conflict"] = bool(req.offline and answer["reason"] == "duplicate")
        answers.append(answer)
    return answers


def _checked(slug: str, items: list[dict], device_default: str, binding, actor: str | None) -> list[tuple]:
    """Each item's (gate, request, direction), once every item passed what could refuse it."""
    gates, checked, first_of = {}, [], {}
    now = utcnow()
    for i, item in enumerate(items):
        item = dict(item)
        try:
            code = item.pop("gate")
            if code not in gates:
                gates[code] = gate_for(slug, code)
                binding(gates[code])
            req = ScanRequest(**{**item, "device": item.get("device") or device_default}, actor=actor)
            checked.append((gates[code], req, check(gates[code], req, now)))
            if req.nonce and _scan_of(*first_of.setdefault(req.nonce, checked[-1])) != _scan_of(*checked[-1]):
                raise nonce_conflict()  # one nonce for two scans within the batch
        except DomainError as error:
            raise _of_item(error, i) from None
    return checked


def _scan_of(gate: Row, req: ScanRequest, direction: str) -> tuple:
    """What a nonce binds to: the gate, the code or ticket, the direction."""
    return gate.id, req.code, req.ticket_id, direction


def _check_stored_nonces(checked: list[tuple]) -> None:
    """409 naming the first item whose nonce is stored for another scan."""
    nonces = list({req.nonce for _gate, req, _direction in checked if req.nonce})
    stored = {}
    for start in range(0, len(nonces), 500):
        stored.update((row.nonce, row) for row in db.session.execute(
            SCAN_BY_NONCES, {"event_id": checked[0][0].event_id, "nonces": nonces[start:start + 500]}))
    for i, (gate, req, direction) in enumerate(checked):
        prior = stored.get(req.nonce)
        if prior is not None and not same_request(prior, gate, req, direction):
            raise _of_item(nonce_conflict(), i)


def _of_item(error: DomainError, i: int) -> DomainError:
    """The error of one item, its fields named as in the body (`scans.N.field`) and its index as `item`."""
    fields = error.errors or {"body": [error.detail]}
    error.errors = {f"scans.{i}.{field}": messages for field, messages in fields.items()}
    error.detail = f"scans.{i}: {error.detail}"
    error.extra = {**error.extra, "item": i}
    return error
