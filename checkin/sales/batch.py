"""Group commit for new sales: concurrent sales share one transaction.

A sale is a dozen statements under the writer (SQLite's single writer, the
type's row locks on PostgreSQL), and one server process is bound by
Python's interpreter lock: the cost per statement, not the database, sets
the pace. So concurrent requests queue their sale and one of them, the
leader, runs the queue in one transaction: one guarded take for all seats
of a type (or, when not all fit, one take per sale in arrival order), one
serial reservation, one INSERT each for tickets, sales, holds and journal,
one COMMIT. The guards are those of a lone sale, so nothing can oversell.
A batch that fails as a whole (a nonce sold at the same moment on another
node, a database error) is run again one sale per transaction, so one bad
sale never sinks the others. Leadership passes to the oldest waiting
request, so no request serves others for long.

The leader also looks up what each sale names (event, type, channel, gate),
once per batch, and applies the rules (token binding, on sale): a request
does no database work before its batch, because on SQLite every
transaction, reads included, queues for the one writer. Nobody waits for a
batch inside a transaction: requests end theirs before queueing.
"""
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import insert, select

from ..driver import Row
from ..errors import DomainError, SoldOut
from ..extensions import db
from ..models import Channel, Hold, Sale, TicketType, utcnow
from ..stock import holds
from ..stock.ledger import journal_many, take_stock
from ..tickets import issuing
from .rules import Lookups

MAX_BATCH = 64
# Core inserts on the tables, run with a list of rows: one executemany each, no ORM bookkeeping.
_INSERT_SALES = insert(Sale.__table__).returning(Sale.__table__.c.id, sort_by_parameter_order=True)
_INSERT_HOLDS = insert(Hold.__table__)


@dataclass(eq=False)
class Job:
    """One requested sale, in plain values, and (once run) its outcome."""

    slug: str
    type_code: str
    channel_code: str | None  # as asked; None: the first box-office channel the event has
    box_office_channels: list[str]
    bound_event_id: int | None  # the caller's token may only sell for this event
    holders: list[dict]  # one per ticket (anonymous walk-ins included)
    named: list[dict]  # as given, for the sale row
    method: str
    reference: str | None
    held: bool
    hold_minutes: float
    admit_gate: str | None
    nonce: str | None
    actor: str
    event_id: int | None = None  # looked up by the leader
    type_id: int | None = None
    channel_id: int | None = None
    sold_through: str | None = None  # the channel's code
    gate: Row | None = None  # where to admit the buyers now
    sale: dict | None = None  # the sale row written, with its id
    tickets: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    error: BaseException | None = None
    repeat_of: "Job | int | None" = None
    lead: bool = False
    ready: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.sale, self.tickets, self.sources, self.error, self.repeat_of = None, [], [], None, None


class Batcher:
    """Leader/follower queue: the first request in runs everyone queued behind it."""

    def __init__(self, limit: int = MAX_BATCH):
        self.limit = limit
        self._lock = threading.Lock()
        self._queue: list[Job] = []
        self._leading = False

    def submit(self, job: Job) -> Job:
        """Queue a sale and return it with its outcome once its batch committed."""
        with self._lock:
            self._queue.append(job)
            someone_leads, self._leading = self._leading, True
        if someone_leads:  # wait to be served, or to be handed the lead
            job.ready.wait()
            if not job.lead:
                return job
        with self._lock:
            batch, self._queue = self._queue[:self.limit], self._queue[self.limit:]
        try:
            run_batch(batch)
        finally:
            for other in batch:
                if other.sale is None and other.error is None and other.repeat_of is None:
                    other.error = RuntimeError("the sale was interrupted before it ran; try again")
            with self._lock:
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].ready.set()
                else:
                    self._leading = False
            for other in batch:
                other.lead = False
                other.ready.set()
        return job


def batcher() -> Batcher:
    """This app's batcher (one per process and app)."""
    return current_app.extensions.setdefault("sale_batcher", Batcher())


def run_batch(jobs: list[Job]) -> None:
    """Run sales in one transaction; if it fails before COMMIT, run each alone."""
    try:
        _together(jobs)
    except Exception as error:  # noqa: BLE001  (each sale gets its own answer, whatever went wrong)
        db.session.rollback()
        if len(jobs) == 1:
            jobs[0].reset()
            jobs[0].error = error
            return
        for job in jobs:
            job.reset()
            run_batch([job])
        return
    try:
        db.session.commit()
    except Exception as error:  # noqa: BLE001  (a failed COMMIT may have happened: never run it again)
        db.session.rollback()
        for job in jobs:
            job.reset()
            job.error = error


def _together(jobs: list[Job]) -> None:
    now = utcnow()
    lookups = Lookups()
    resolved = []
    for job in jobs:
        try:
            lookups.resolve(job, now)
        except DomainError as refused:
            job.error = refused
            continue
        resolved.append(job)
    live = _without_repeats(resolved)
    # Expired holds first, before any seat is locked: the same lock order as confirm and the sweeper
    # (sale, hold, then stock), and their seats are back for this batch.
    for event_id in sorted({job.event_id for job in live}):
        holds.release_expired(event_id, now)
    groups: dict[tuple, list[Job]] = defaultdict(list)
    for job in live:
        groups[(job.event_id, job.type_id, job.channel_id, job.held)].append(job)
    seated: list[Job] = []
    for (event_id, type_id, channel_id, held), group in groups.items():
        ttype = db.session.get(TicketType, type_id)
        channel = db.session.get(Channel, channel_id) if channel_id else None
        got = _seat(group, ttype, channel, held, now)
        if got and not held:
            _issue(event_id, got, ttype, channel, now)
        seated += [(job, ttype) for job in got]
    if seated:
        _write(seated, now)
    for job in jobs:
        if isinstance(job.repeat_of, Job):  # the same nonce twice in one batch: the first one counts
            first = job.repeat_of
            job.error, job.repeat_of = first.error, first.sale["id"] if first.sale else None


def _without_repeats(jobs: list[Job]) -> list[Job]:
    """Jobs whose nonce was sold before answer that sale; the rest run."""
    nonces = {job.nonce for job in jobs if job.nonce}
    sold = {}
    if nonces:
        sold = {(e, n): i for e, n, i in db.session.execute(select(Sale.event_id, Sale.nonce, Sale.id).where(
            Sale.nonce.in_(sorted(nonces))))}
    first: dict[tuple, Job] = {}
    live = []
    for job in jobs:
        key = (job.event_id, job.nonce)
        if job.nonce and key in sold:
            job.repeat_of = sold[key]
        elif job.nonce and key in first:
            job.repeat_of = first[key]
        else:
            first[key] = job
            live.append(job)
    return live


def _seat(jobs: list[Job], ttype: TicketType, channel: Channel | None, held: bool,
          now: datetime) -> list[Job]:
    """Take seats for the jobs: all at once if they fit, else one by one in arrival order."""
    try:
        take = take_stock(ttype, channel, sum(len(j.holders) for j in jobs), held=held, on_sale_at=now)
        start = 0
        for job in jobs:
            job.sources = [take.source(start + i) for i in range(len(job.holders))]
            start += len(job.holders)
        return jobs
    except SoldOut:
        pass  # not all fit: one by one, in the order they came
    seated, gone = [], None
    for job in jobs:
        if gone is not None:  # nothing left: the rest of a stampede is refused without asking again
            job.error = SoldOut(gone.detail, gone.errors, **gone.extra)
            continue
        try:
            take = take_stock(ttype, channel, len(job.holders), held=held, on_sale_at=now)
        except SoldOut as refused:
            refused.extra["reason"] = "sold_out"
            refused.errors = refused.errors or {"quantity": [refused.detail]}
            job.error = refused
            gone = refused if refused.extra.get("available") == 0 else None
            continue
        job.sources = [take.source(i) for i in range(len(job.holders))]
        seated.append(job)
    return seated


def _issue(event_id: int, jobs: list[Job], ttype: TicketType, channel: Channel | None, now: datetime) -> None:
    """One serial block and one INSERT for every ticket of these cash sales."""
    tickets = issuing.issue(event_id, ttype, channel, [h for j in jobs for h in j.holders],
                            [s for j in jobs for s in j.sources], ttype.price, now)
    start = 0
    for job in jobs:
        job.tickets = tickets[start:start + len(job.holders)]
        start += len(job.holders)


def _write(seated: list[tuple[Job, TicketType]], now: datetime) -> None:
    """The sale rows, then the holds and the journal that name them."""
    rows = [sale_row(job, ttype.price, now) for job, ttype in seated]
    for (job, _), row, sale_id in zip(seated, rows, db.session.execute(_INSERT_SALES, rows).scalars().all()):
        job.sale = {**row, "id": sale_id}
    held = [job for job, _ in seated if job.held]
    if held:
        db.session.execute(_INSERT_HOLDS, [hold_row(job, now) for job in held])
    entries = []
    for job, _ in seated:
        cause = {"sale": job.sale["id"], "method": job.method}
        action, quantity = ("hold.create", len(job.holders)) if job.held else ("sale.confirm", 0)
        entries.append(sale_entry(job.sale, action, quantity, now))
        entries += issuing.issued_entries(job.event_id, job.tickets, job.type_id, job.channel_id, job.actor, now,
                                          cause)
    journal_many(entries)


def sale_row(job: Job, unit_price: Decimal, now: datetime) -> dict:
    """Every column of a new sale (an executemany needs the same keys in every row)."""
    return {"event_id": job.event_id, "type_id": job.type_id, "channel_id": job.channel_id,
            "quantity": len(job.holders), "method": job.method, "reference": job.reference,
            "state": "held" if job.held else "confirmed", "unit_price": unit_price, "holders": job.named,
            "ticket_ids": [t["id"] for t in job.tickets], "admit_gate": job.admit_gate, "nonce": job.nonce,
            "device": None, "late": False, "actor": job.actor, "reason": None, "created_at": now,
            "expires_at": now + timedelta(minutes=job.hold_minutes) if job.held else None,
            "closed_at": None if job.held else now}


def hold_row(job: Job, now: datetime) -> dict:
    return {"event_id": job.event_id, "sale_id": job.sale["id"], "type_id": job.type_id,
            "channel_id": job.channel_id, "device": None, "quantity": len(job.holders), "used": 0,
            "from_quota": job.sources.count("quota"), "state": "active", "actor": job.actor, "created_at": now,
            "expires_at": job.sale["expires_at"], "closed_at": None}


def sale_entry(sale: dict, action: str, quantity: int, now: datetime) -> dict:
    """The journal row of a sale's step (the same keys as issuing.issued_entries)."""
    return {"event_id": sale["event_id"], "at": now, "actor": sale["actor"], "action": action, "ticket_id": None,
            "type_id": sale["type_id"], "channel_id": sale["channel_id"], "quantity": quantity,
            "after": {"sale": sale["id"], "state": sale["state"], "method": sale["method"],
                      "quantity": sale["quantity"], "total": str(sale["unit_price"] * sale["quantity"]),
                      "reference": sale["reference"]}}

