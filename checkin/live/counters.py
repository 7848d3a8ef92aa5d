"""Counts kept as they happen: every change adds to a few counter rows in its own transaction.

A judged scan adds one to its gate's, zone's and ticket type's rows (and to
its gate's row for the current minute); an entry or an exit that really
moved someone adds +1 or -1 to the zone's `inside`. Badge prints and
walk-ins sold are counted as the journal records them (stock/ledger.py). A
snapshot is then a sum over a few hundred rows, never a count over the
scans, and it equals what the scans and admissions tables say (the tests
compare the two after concurrent scans on SQLite and PostgreSQL). Deltas
collect in the transaction's outbox and are written in it just before COMMIT.

Counter rows (scope, key, metric):
  event ""   changes                   grows with every counted change (the snapshot's version)
  event ""   badges | reprints         badge prints (all, and reprints among them)
  event ""   walkins                   tickets issued for box-office sales
  gate  CODE entries | exits           admitted entries and exits
  gate  CODE refused.REASON            refusals by reason (duplicate, invalid, ...)
  gate  CODE entries|exits|refused|duplicates  with minute > 0: per minute, for rates and charts
  zone  NAME entries | exits | inside | inside.TYPE
  type  CODE entries | exits | refused.REASON
Type rows follow the ticket's type as it is now: an upgrade or downgrade moves
the ticket's counts to its new type (ticket_retyped), as a recount sees them.
"""
import functools
import itertools
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from ..driver import INSERT, Row, connection, run
from ..extensions import db
from ..models import Admission, Counter, Scan, Ticket, TicketType
from .outbox import COUNTS, ScanJudged

COUNTER_SHARDS = 8
WRITE_ROWS = 16  # counter rows per statement: a few cached statements cover any transaction
_COLUMNS = ("event_id", "scope", "key", "metric", "minute", "shard", "value")
_shards = itertools.count()

# Journaled actions that are counted as they are journaled: action -> event-level metrics.
JOURNAL_METRICS = {
    "badge.print": ("badges",),
    "badge.reprint": ("badges", "reprints"),
}


def minute_of(at: datetime) -> int:
    """The minute (since the Unix epoch) a moment falls in."""
    return int(at.timestamp()) // 60


def count_scan(scan: ScanJudged) -> None:
    """Count a judged scan in its own transaction (the counters are written just before it commits).

    `scan.left` says an exit really flipped the ticket from inside to outside
    (an exit of someone not inside is admitted but moves no one).
    """
    gate, ticket, answer, direction = scan.gate, scan.ticket, scan.answer, scan.direction
    minute, gate_code = minute_of(scan.at), gate.code
    type_code = ticket.type_code if ticket is not None else None
    rows = [("event", "", "changes", 0, 1)]
    if answer["status"] == "ok":
        kind = "entries" if direction == "in" else "exits"
        rows += [("gate", gate_code, kind, 0, 1), ("gate", gate_code, kind, minute, 1),
                 ("zone", gate.zone, kind, 0, 1), ("type", type_code, kind, 0, 1)]
        if direction == "in" or scan.left:
            step = 1 if direction == "in" else -1
            rows += [("zone", gate.zone, "inside", 0, step), ("zone", gate.zone, f"inside.{type_code}", 0, step)]
    else:
        reason = answer["reason"]
        rows += [("gate", gate_code, f"refused.{reason}", 0, 1), ("gate", gate_code, "refused", minute, 1)]
        if reason == "duplicate":
            rows.append(("gate", gate_code, "duplicates", minute, 1))
        if type_code is not None:
            rows.append(("type", type_code, f"refused.{reason}", 0, 1))
    add(scan.event_id, rows)


def count_journaled(entries: list[dict]) -> None:
    """Count journaled actions that the live picture shows: badge prints and reprints, walk-ins sold."""
    for entry in entries:
        metrics = JOURNAL_METRICS.get(entry["action"])
        if entry["action"] == "ticket.issue" and (entry.get("after") or {}).get("sale"):
            metrics = ("walkins",)  # a ticket issued for a box-office sale
        if metrics:
            add(entry["event_id"], [("event", "", metric, 0, 1) for metric in metrics] +
                [("event", "", "changes", 0, 1)])


def add(event_id: int, rows: list[tuple[str, str, str, int, int]]) -> None:
    """Add (scope, key, metric, minute, delta) rows to an event's counters when this transaction commits."""
    outbox = db.session().outbox
    deltas = outbox.counters
    if deltas is None:
        deltas = outbox.counters = Deltas()
    for scope, key, metric, minute, delta in rows:
        ident = (event_id, scope, key, metric, minute)
        deltas[ident] = deltas.get(ident, 0) + delta
    outbox.changed(event_id, COUNTS)


class Deltas(dict):
    """A transaction's counter deltas, (event id, scope, key, metric, minute) -> delta, until its COMMIT."""

    def write(self, session: Session) -> None:
        """Add the deltas to their counters in the session's transaction (its commit calls this).

        Rows are written in sorted order, so two transactions that touch the same
        counters lock them in the same order and never deadlock; the statement
        adds to the row, so concurrent writers never lose a count.
        """
        dialect = connection(session).dialect.name
        shard = 0 if dialect == "sqlite" else next(_shards) % COUNTER_SHARDS  # SQLite has one writer anyway
        rows = [(key, delta) for key, delta in sorted(self.items()) if delta]
        for start in range(0, len(rows), WRITE_ROWS):
            chunk = rows[start:start + WRITE_ROWS]
            values = [x for (e, s, k, m, minute), v in chunk for x in (e, s, k, m, minute, shard, v)]
            run(_adding(dialect, len(chunk)), session=session,
                **dict(zip(_bind_names(len(chunk)), values, strict=True)))


@functools.cache
def _adding(dialect: str, rows: int):
    """INSERT ... ON CONFLICT DO UPDATE adding `rows` values to their counters, for one database."""
    insert = INSERT[dialect](Counter)
    insert = insert.values([{c: bindparam(name) for c, name in zip(_COLUMNS, _bind_names(1, i), strict=True)}
                            for i in range(rows)])
    return insert.on_conflict_do_update(index_elements=list(_COLUMNS[:-1]),
                                        set_={"value": Counter.value + insert.excluded.value})


@functools.cache
def _bind_names(rows: int, first: int = 0) -> tuple[str, ...]:
    return tuple(f"{c}_{i}" for i in range(first, first + rows) for c in _COLUMNS)


def presence(scan) -> bool | None:
    """Whether the scan's ticket is inside the scan's zone now, locking the admission until commit.

    Call before an annulment undoes the scan, then pass it to scan_annulled():
    with the row locked, no scan can move the ticket in between.
    """
    return db.session.scalar(select(Admission.inside).where(
        Admission.ticket_id == scan.ticket_id, Admission.zone == scan.gate.zone).with_for_update())


def scan_annulled(scan, inside_before: bool | None) -> None:
    """Take an annulled scan back out of the counts; call after presence was undone, before commit."""
    gate = scan.gate
    # Share-lock the ticket before reading its type, as a scan does: an upgrade committing meanwhile
    # (which moves the ticket's counts to its new type) is then wholly before this read or after it.
    type_id = db.session.scalar(select(Ticket.type_id).where(Ticket.id == scan.ticket_id).with_for_update(read=True))
    type_code = db.session.scalar(select(TicketType.code).where(TicketType.id == type_id))
    kind = "entries" if scan.direction == "in" else "exits"
    rows = [("event", "", "changes", 0, 1), ("gate", gate.code, kind, 0, -1),
            ("gate", gate.code, kind, minute_of(scan.at), -1), ("zone", gate.zone, kind, 0, -1),
            ("type", type_code, kind, 0, -1)]
    inside_now = bool(presence(scan))
    if inside_now != bool(inside_before):
        step = 1 if inside_now else -1
        rows += [("zone", gate.zone, "inside", 0, step), ("zone", gate.zone, f"inside.{type_code}", 0, step)]
    add(scan.event_id, rows)


def ticket_retyped(event_id: int, ticket_id: int, old_type: str, new_type: str) -> None:
    """Move a ticket's counted scans and presence from its old type to its new one (upgrade or downgrade).

    Call after the type changed, in the same transaction: the change has locked
    the ticket row, which every scan share-locks, so no scan of it is in flight.
    """
    rows = [("event", "", "changes", 0, 1)]
    for status, direction, reason, n in db.session.execute(
            select(Scan.status, Scan.direction, Scan.reason, func.count())
            .where(Scan.ticket_id == ticket_id, Scan.annulled_at.is_(None))
            .group_by(Scan.status, Scan.direction, Scan.reason)):
        metric = ("entries" if direction == "in" else "exits") if status == "ok" else f"refused.{reason}"
        rows += [("type", old_type, metric, 0, -n), ("type", new_type, metric, 0, n)]
    for zone in db.session.scalars(select(Admission.zone).where(Admission.ticket_id == ticket_id,
                                                                Admission.inside.is_(True))):
        rows += [("zone", zone, f"inside.{old_type}", 0, -1), ("zone", zone, f"inside.{new_type}", 0, 1)]
    add(event_id, rows)


def totals(event_id: int, since_minute: int) -> list[Row]:
    """The event's counter sums: running totals, and per-minute rows from `since_minute` on."""
    return db.session.execute(
        select(Counter.scope, Counter.key, Counter.metric, Counter.minute, func.sum(Counter.value))
        .where(Counter.event_id == event_id, (Counter.minute == 0) | (Counter.minute >= since_minute))
        .group_by(Counter.scope, Counter.key, Counter.metric, Counter.minute)).all()


def forget_minutes_before(minute: int) -> int:
    """Drop per-minute rows older than `minute` (charts show the last hour); returns how many."""
    done = db.session.execute(delete(Counter).where(Counter.minute > 0, Counter.minute < minute))
    db.session.commit()
    return done.rowcount
