"""Emergency pools: the only stock a box-office device may sell while offline.

A supervisor assigns a few seats of one type to one device beforehand; they
are taken from stock as held at once, so online selling never counts on
them. Offline, the device sells from that number alone; back online it
uploads its sales, each with a nonce, and each is accepted only while the
pool has seats left (a guarded UPDATE on the pool's `used`). Nothing else
is ever sold offline: a device without a pool, or past its pool, is
refused, never silently oversold. Closing a pool gives its unused seats back.
"""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Invalid, NotFound, SoldOut
from ..events.setup import channel_by_code, type_by_code
from ..extensions import db
from ..models import Channel, Event, Hold, Sale, TicketType, utcnow
from ..sales.walkins import answer
from ..tickets import issuing
from . import holds
from .ledger import convert_held, journal_many, take_stock


def assign(event: Event, data: dict, actor: str) -> dict:
    """Take `quantity` seats as held for one device to sell offline."""
    ttype = type_by_code(event, data["type"])
    channel = channel_by_code(event, data["channel"]) if data.get("channel") else None
    try:
        take = take_stock(ttype, channel, data["quantity"], held=True)
    except SoldOut:
        db.session.rollback()
        raise
    pool = Hold(event_id=event.id, type_id=ttype.id, channel_id=channel.id if channel else None,
                device=data["device"], quantity=data["quantity"], from_quota=take.from_quota, state="active",
                actor=actor, created_at=utcnow())
    db.session.add(pool)
    db.session.flush()
    journal_many([{"event_id": event.id, "at": pool.created_at, "actor": actor, "action": "pool.assign",
                   "type_id": ttype.id, "channel_id": pool.channel_id, "quantity": pool.quantity,
                   "after": {"pool": pool.id, "device": pool.device}}])
    db.session.commit()
    return pool_view(pool, ttype)


def close(event: Event, pool_id: int, reason: str | None, actor: str) -> dict:
    """End a pool: its unused seats go back to where they came from."""
    pool = _pool(event, pool_id)
    if not holds.release(pool, utcnow(), actor, "closed", reason or "pool closed"):
        db.session.rollback()
    db.session.commit()
    return pool_view(_pool(event, pool_id))


def list_pools(event: Event) -> list[dict]:
    """Every pool of the event, open ones first."""
    pools = db.session.scalars(select(Hold).where(Hold.event_id == event.id, Hold.device.is_not(None))
                               .order_by(Hold.state != "active", Hold.id))
    return [pool_view(p) for p in pools]


def upload(event: Event, device: str, items: list[dict], actor: str) -> list[dict]:
    """Take a device's offline sales back: each confirmed from its pool once (by nonce), or refused."""
    return [_upload_one(event, device, item, actor) for item in items]


def _upload_one(event: Event, device: str, item: dict, actor: str) -> dict:
    prior = db.session.scalar(select(Sale).where(Sale.event_id == event.id, Sale.nonce == item["nonce"]))
    if prior is not None and prior.device == device:
        return {"nonce": item["nonce"], "status": "ok", **answer(prior), "repeat": True}
    if prior is not None:
        return {"nonce": item["nonce"], "status": "refused", "repeat": False,
                "message": "this nonce names another sale; give each sale a nonce of its own"}
    try:
        ttype = type_by_code(event, item["type"])
        holders = _holders(item)
        tickets = _sell_from_pool(event, device, ttype, holders, item, actor)
        db.session.commit()
    except (Invalid, SoldOut) as refused:
        db.session.rollback()
        return {"nonce": item["nonce"], "status": "refused", "message": refused.detail, "repeat": False}
    except IntegrityError:  # the same nonce arrived twice at once; the first one counts
        db.session.rollback()
        return _upload_one(event, device, item, actor)
    sale = db.session.scalar(select(Sale).where(Sale.event_id == event.id, Sale.nonce == item["nonce"]))
    return {"nonce": item["nonce"], "status": "ok", **answer(sale, tickets)}


def _holders(item: dict) -> list[dict]:
    named = item.get("holders") or []
    quantity = item.get("quantity") or len(named) or 1
    if named and len(named) != quantity:
        raise Invalid(f"{len(named)} holder(s) for {quantity} ticket(s)", {"holders": ["one per ticket or none"]})
    return named or issuing.anonymous(quantity)


def _sell_from_pool(event: Event, device: str, ttype: TicketType, holders: list[dict], item: dict,
                    actor: str) -> list[dict]:
    n, now = len(holders), utcnow()
    pool, start = _use_seats(event, device, ttype, n)
    sources = [("quota" if start + i < pool.from_quota else "shared") for i in range(n)]
    convert_held(ttype, n)
    channel = db.session.get(Channel, pool.channel_id) if pool.channel_id else None
    sale = Sale(event_id=event.id, type_id=ttype.id, channel_id=pool.channel_id, quantity=n,
                method=item["payment"]["method"], reference=item["payment"].get("reference"), state="confirmed",
                unit_price=ttype.price, holders=item.get("holders") or [], nonce=item["nonce"], device=device,
                actor=actor, created_at=item["sold_at"], closed_at=now)
    tickets = issuing.issue(event.id, ttype, channel, holders, sources, ttype.price, now)
    sale.ticket_ids = [t["id"] for t in tickets]
    db.session.add(sale)
    db.session.flush()
    cause = {"sale": sale.id, "method": sale.method, "offline": True, "pool": pool.id}
    journal_many([{"event_id": event.id, "at": now, "actor": actor, "action": "pool.use", "ticket_id": None,
                   "type_id": ttype.id, "channel_id": pool.channel_id, "quantity": -n,
                   "after": {**cause, "device": device, "sold_at": item["sold_at"].isoformat()}}]
                 + issuing.issued_entries(event.id, tickets, ttype.id, pool.channel_id, actor, now, cause))
    return tickets


def _use_seats(event: Event, device: str, ttype: TicketType, n: int) -> tuple[Hold, int]:
    """Claim n seats from one of the device's open pools of this type; the guard refuses past its size."""
    pools = db.session.scalars(select(Hold).where(
        Hold.event_id == event.id, Hold.device == device, Hold.type_id == ttype.id, Hold.state == "active",
    ).order_by(Hold.id)).all()
    if not pools:
        raise Invalid(f"no emergency pool of {ttype.name} for device {device!r}: offline sales refused",
                      {"device": ["no emergency pool"]})
    for pool in pools:
        used = db.session.execute(update(Hold).where(
            Hold.id == pool.id, Hold.state == "active", Hold.used + n <= Hold.quantity,
        ).values(used=Hold.used + n).returning(Hold.used)).scalar()
        if used is not None:
            return pool, used - n
    left = sum(p.quantity - p.used for p in pools)
    raise SoldOut(f"device {device!r} has {left} {ttype.name} seat(s) left in its emergency pool; "
                  f"this sale needs {n}", {"quantity": [f"at most {left}"]})


def _pool(event: Event, pool_id: int) -> Hold:
    pool = db.session.get(Hold, pool_id, populate_existing=True)
    if pool is None or pool.event_id != event.id or pool.device is None:
        raise NotFound(f"no emergency pool {pool_id} in this event")
    return pool


def pool_view(pool: Hold, ttype: TicketType | None = None) -> dict:
    """A pool: its device, type, size, seats used and left."""
    ttype = ttype or db.session.get(TicketType, pool.type_id)
    return {"id": pool.id, "device": pool.device, "type": ttype.code, "quantity": pool.quantity,
            "used": pool.used, "left": pool.quantity - pool.used if pool.state == "active" else 0,
            "state": "open" if pool.state == "active" else "closed",
            "created_at": pool.created_at.isoformat(),
            "closed_at": pool.closed_at.isoformat() if pool.closed_at else None}
