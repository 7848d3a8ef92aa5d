"""Pairing: a short-lived code a supervisor makes, which a device trades once for a token of its own.

A code is eight characters of Crockford's base 32 (no I, L, O or U), shown
as ABCD-EFGH. The first four locate the code and are kept in clear, so a
wrong try can be counted against the code it aimed at; the last four are its
secret. Only an HMAC of the whole code, keyed with the service's secret key,
is stored: reading the table does not pair a device.

Guessing is bounded three ways: a code dies after PAIRING_CODE_TRIES wrong
tries, a client (address) with PAIRING_CLIENT_FAILURES refused attempts in
the last PAIRING_WINDOW_MINUTES is turned away, and so is everyone past
PAIRING_GLOBAL_FAILURES. A refused attempt writes its failure record (and
the count on the code it aimed at) and nothing else. The code is claimed with
a guarded UPDATE in the transaction that creates the token, so of two devices
redeeming one code at once exactly one gets a token.
"""
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..auth import ROLES, Principal, new_token
from ..errors import DomainError, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Event, Gate, PairingCode, PairingFailure, utcnow

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what people mistype, read as meant
LOCATOR_LEN, SECRET_LEN = 4, 4
CODE_LEN = LOCATOR_LEN + SECRET_LEN
SCREENS = {"gate": "gate", "badge_desk": "desk", "box_office": "box", "supervisor": "dashboard",
           "viewer": "dashboard", "admin": "dashboard", "kiosk": "kiosk"}  # where a paired device goes first
ROLE_NAMES = {"admin": "Admin", "supervisor": "Supervisor", "box_office": "Box office",
              "badge_desk": "Badge desk", "gate": "Gate", "viewer": "Viewer", "kiosk": "Kiosk"}
_CODE_IN_LINK = re.compile(r"[?&]code=([A-Za-z0-9-]{8,12})(?:&|$)")
REFUSED = "This pairing code is not valid: it may be mistyped, used already, or expired."


class TooManyAttempts(DomainError):
    """Too many refused pairing attempts lately; `retry_after` says when to try again."""

    status, title = 429, "Too many attempts"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewCode:
    """A pairing code as made: the code itself (shown once) and its row."""

    code: str
    row: PairingCode


@dataclass(frozen=True)
class Paired:
    """What a device gets for a good code."""

    token: str
    token_id: int
    name: str
    role: str
    event: str
    gate: str | None
    expires_at: datetime | None
    screen: str


def normalise(typed: str) -> str:
    """The code as stored: upper case, separators dropped, look-alike letters read as digits."""
    return "".join(c for c in typed.upper().translate(LOOK_ALIKES) if c not in " -_.")


def well_formed(typed: str) -> bool:
    """Whether a typed code has the shape of a pairing code."""
    code = normalise(typed)
    return len(code) == CODE_LEN and all(c in ALPHABET for c in code)


def shown(code: str) -> str:
    """The code as people read and type it: ABCD-EFGH."""
    return f"{code[:LOCATOR_LEN]}-{code[LOCATOR_LEN:]}"


def code_in(texts: list[str]) -> str | None:
    """The first pairing code in decoded QR texts (a /pair link or a bare code), as shown; None if none."""
    for text in texts:
        found = _CODE_IN_LINK.search(text)
        candidate = found.group(1) if found else text.strip()
        if well_formed(candidate):
            return shown(normalise(candidate))
    return None


def code_hash(code: str) -> str:
    """The keyed hash kept for a code."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def may_pair(maker_role: str, role: str) -> bool:
    """Whether a token of maker_role may pair a device of role: an admin any, a supervisor any but admin."""
    return maker_role == "admin" or (maker_role == "supervisor" and role != "admin")


def create_code(event: Event, role: str, gate_code: str | None, name: str | None, minutes: int | None,
                token_lifetime: timedelta | None, maker: Principal | None, actor: str) -> NewCode:
    """Make a pairing code for a device of `role` at `event` (and `gate`, for the gate role)."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}", {"role": [f"one of {', '.join(ROLES)}"]})
    if maker is not None and not may_pair(maker.role, role):
        raise Forbidden(f"A {maker.role} token may not pair a {role} device.")
    gate = _gate(event, role, gate_code)
    now = utcnow()
    _forget_old_codes(now)
    lifetime = None if token_lifetime is None else math.ceil(token_lifetime.total_seconds() / 60)
    for _attempt in range(5):  # a locator already taken (rare: 2^20 of them) just draws again
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
        row = PairingCode(locator=code[:LOCATOR_LEN], code_hash=code_hash(code), role=role, event_id=event.id,
                          gate_id=gate.id if gate else None, name=name or _default_name(role, gate),
                          token_lifetime_minutes=lifetime, created_by=actor, created_at=now,
                          expires_at=now + timedelta(minutes=minutes or current_app.config["PAIRING_MINUTES"]),
                          failures=0)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return NewCode(shown(code), row)
    raise DomainError("no free pairing code could be drawn; try again")


def _gate(event: Event, role: str, gate_code: str | None) -> Gate | None:
    if role != "gate":
        if gate_code:
            raise Invalid("only a gate device is bound to a gate", {"gate": ["only for the gate role"]})
        return None
    if not gate_code:
        raise Invalid("a gate device needs its gate", {"gate": ["required for the gate role"]})
    gate = db.session.scalar(select(Gate).where(Gate.event_id == event.id, Gate.code == gate_code))
    if gate is None:
        raise NotFound(f"no gate {gate_code!r} in {event.slug!r}", {"gate": ["unknown gate"]})
    return gate


def _default_name(role: str, gate: Gate | None) -> str:
    return f"{gate.name} device" if gate else f"{ROLE_NAMES[role]} device"


def _forget_old_codes(now: datetime) -> None:
    """Codes that ended a day ago are of no use: drop them, so locators stay free to draw."""
    db.session.execute(delete(PairingCode).where(PairingCode.expires_at < now - timedelta(days=1)))


def redeem(typed: str, client: str) -> Paired:
    """Trade a pairing code for a new token, once; a refused try is counted and changes nothing else."""
    code, now = normalise(typed), utcnow()
    tries = current_app.config["PAIRING_CODE_TRIES"]
    check_limits(client, now)
    row = db.session.scalar(select(PairingCode).where(PairingCode.locator == code[:LOCATOR_LEN]))
    live = row is not None and row.used_at is None and row.expires_at > now and row.failures < tries
    if not live or not hmac.compare_digest(row.code_hash, code_hash(code)):
        _refuse(row.id if live else None, client, now)
    expires = now + timedelta(minutes=row.token_lifetime_minutes) if row.token_lifetime_minutes else None
    token, token_row = new_token(row.role, row.event_id, row.gate_id, row.name, expires, f"pairing:{row.id}")
    claimed = db.session.execute(update(PairingCode).where(
        PairingCode.id == row.id, PairingCode.used_at.is_(None), PairingCode.failures < tries,
        PairingCode.expires_at > now).values(used_at=now, token_id=token_row.id))
    if claimed.rowcount != 1:  # another device redeemed it first
        db.session.rollback()
        _refuse(None, client, now)
    event_slug = db.session.scalar(select(Event.slug).where(Event.id == row.event_id))
    gate_code = db.session.scalar(select(Gate.code).where(Gate.id == row.gate_id)) if row.gate_id else None
    db.session.commit()
    return Paired(token, token_row.id, row.name, row.role, event_slug, gate_code, expires, SCREENS[row.role])


def _refuse(code_id: int | None, client: str, now: datetime):
    """Count a refused attempt (against the live code it aimed at, if any) and refuse it."""
    db.session.rollback()
    if code_id is not None:
        db.session.execute(update(PairingCode).where(PairingCode.id == code_id, PairingCode.used_at.is_(None))
                           .values(failures=PairingCode.failures + 1))
    window = timedelta(minutes=current_app.config["PAIRING_WINDOW_MINUTES"])
    db.session.execute(delete(PairingFailure).where(PairingFailure.at < now - window))
    db.session.add(PairingFailure(client=client[:64], at=now))
    db.session.commit()
    raise Forbidden(REFUSED, {"code": ["not valid, used already, or expired"]})


def check_limits(client: str, now: datetime) -> None:
    """Turn a client away while it, or everyone together, has too many refused attempts in the window."""
    config = current_app.config
    since = now - timedelta(minutes=config["PAIRING_WINDOW_MINUTES"])
    recent = select(func.count(), func.min(PairingFailure.at)).where(PairingFailure.at > since)
    mine, my_oldest = db.session.execute(recent.where(PairingFailure.client == client[:64])).one()
    if mine >= config["PAIRING_CLIENT_FAILURES"]:
        raise TooManyAttempts("Too many wrong pairing codes from this device; wait, then try again.",
                              _seconds_until(my_oldest, since))
    everyone, oldest = db.session.execute(recent).one()
    if everyone >= config["PAIRING_GLOBAL_FAILURES"]:
        raise TooManyAttempts("Too many wrong pairing codes lately; wait, then try again.",
                              _seconds_until(oldest, since))


def _seconds_until(oldest: datetime, since: datetime) -> int:
    """Seconds until the oldest counted failure leaves the window."""
    return max(1, math.ceil((oldest - since).total_seconds()))
