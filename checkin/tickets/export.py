"""The reconciliation export: one row per ticket, then totals that agree with the inventory.

Ticket rows (`record` = ticket): who, what type and channel, which pool the
seat came from, price, state, the sale and payment that issued it, first
entry, badge prints and every change from the journal, oldest first.

Total rows (`record` = total) per type, per type and channel, and for the
event: `tickets` counts tickets not void (the inventory's `issued`), `sold`
and `held` are the inventory's seat counts (a parent's `sold` includes the
seats its bundles took), and `price` is the sum of those tickets' prices.
"""
import csv
import io
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Admission, Channel, Event, Gate, LedgerEntry, Sale, Ticket, TicketType
from ..reports.recount import inventory

COLUMNS = ["record", "ticket_id", "serial", "external_id", "type", "channel", "stock_source", "holder", "company",
           "price", "state", "issued_at", "sale", "payment", "first_entry_at", "first_entry_gate", "badge_prints",
           "changes", "tickets", "sold", "held"]
NO_CHANNEL = "(none)"


def export_csv(event: Event) -> str:
    """The whole reconciliation as CSV text."""
    stock = inventory(event)  # first: it releases expired holds, so the rows below see the same ledger
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    totals: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal("0")])
    for row in ticket_rows(event):
        writer.writerow(row)
        if row["state"] != "void":
            for key in ((row["type"], "*"), (row["type"], row["channel"] or NO_CHANNEL), ("*", "*")):
                totals[key][0] += 1
                totals[key][1] += Decimal(row["price"])
    for t in stock["types"]:
        writer.writerow(_total(t["code"], "*", totals[(t["code"], "*")], t["sold"], t["held"]))
        for (code, channel), (n, money) in sorted(totals.items()):
            if code == t["code"] and channel != "*":
                writer.writerow(_total(code, channel, (n, money)))
    held = sum(t["held"] for t in stock["types"])
    writer.writerow(_total("*", "*", totals[("*", "*")], stock["taken"] - held, held))
    return out.getvalue()


def _total(type_code: str, channel: str, counted, sold: int | None = None, held: int | None = None) -> dict:
    return {"record": "total", "type": type_code, "channel": channel, "tickets": counted[0],
            "price": str(counted[1]), "sold": "" if sold is None else sold, "held": "" if held is None else held}


def ticket_rows(event: Event):
    """One dict per ticket, in issue order."""
    entries, changes, sales = _first_entries(event), _changes(event), _sales(event)
    rows = db.session.execute(select(
        Ticket.id, Ticket.serial, Ticket.external_id, TicketType.code, Channel.code, Ticket.stock_source,
        Ticket.holder_name, Ticket.holder_company, Ticket.price, Ticket.state, Ticket.created_at, Ticket.badge_prints,
    ).join(TicketType, TicketType.id == Ticket.type_id).outerjoin(Channel, Channel.id == Ticket.channel_id)
        .where(Ticket.event_id == event.id).order_by(Ticket.id))
    for (tid, serial, external_id, type_code, channel, source, holder, company, price, state, created,
         prints) in rows:
        first = entries.get(tid)
        sale = sales.get(tid)
        yield {"record": "ticket", "ticket_id": tid, "serial": serial, "external_id": _cell(external_id),
               "type": type_code, "channel": channel or "", "stock_source": source, "holder": _cell(holder),
               "company": _cell(company), "price": str(price), "state": state, "issued_at": created.isoformat(),
               "sale": sale[0] if sale else "", "payment": sale[1] if sale else "",
               "first_entry_at": first[0].isoformat() if first else "", "first_entry_gate": first[1] if first else "",
               "badge_prints": prints, "changes": _cell("; ".join(changes.get(tid, [])))}


def _first_entries(event: Event) -> dict[int, tuple]:
    first: dict[int, tuple] = {}
    for tid, at, gate in db.session.execute(select(Admission.ticket_id, Admission.first_at, Gate.code).join(
            Gate, Gate.id == Admission.first_gate_id).where(Admission.event_id == event.id)):
        if tid not in first or at < first[tid][0]:
            first[tid] = (at, gate)
    return first


def _changes(event: Event) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for e in db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.event_id == event.id, LedgerEntry.ticket_id.is_not(None),
            LedgerEntry.action.not_in(("ticket.issue", "stock.return"))).order_by(LedgerEntry.id)):
        out[e.ticket_id].append(f"{e.at:%Y-%m-%d %H:%M}Z {e.action}{_what_changed(e)}")
    return out


def _what_changed(e: LedgerEntry) -> str:
    before, after = e.before or {}, e.after or {}
    for key in ("type", "holder_name", "state", "blocked"):
        if key in before and key in after:
            return f" {before[key]}>{after[key]}" + (f" ({after['price_difference']})"
                                                     if "price_difference" in after else "")
    return f" ({e.reason})" if e.reason else ""


def _sales(event: Event) -> dict[int, tuple[int, str]]:
    issued: dict[int, tuple[int, str]] = {}
    for sale_id, method, ticket_ids, device in db.session.execute(select(
            Sale.id, Sale.method, Sale.ticket_ids, Sale.device).where(Sale.event_id == event.id,
                                                                     Sale.state == "confirmed")):
        for tid in ticket_ids or []:
            issued[tid] = (sale_id, f"{method} offline" if device else method)
    return issued


def _cell(value: str | None) -> str:
    """Text as a spreadsheet shows it, never as a formula it would run."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value
