"""`gate sweep` and `gate review`: the box office's housekeeping from the command line."""
import json

import click
from flask.cli import with_appcontext

from ..events.setup import event_by_slug
from ..reports.review import review
from ..stock.holds import sweep
from . import call_service, ensure_schema


@click.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Release every expired hold now (the background tasks also do this every few seconds)."""
    ensure_schema()
    click.echo(f"released {call_service(sweep)} expired hold(s)")


@click.command("review")
@click.option("--event", "slug", required=True)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="The event's local day (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET .../review.")
@with_appcontext
def review_command(slug: str, day, as_json: bool) -> None:
    """The daily review: on-site sales vs plan, upgrades, transfers, unused tickets, expired holds."""
    ensure_schema()
    result = call_service(review, call_service(event_by_slug, slug), day.date() if day else None)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if as_json else render(result))


def render(r: dict) -> str:
    """The review as text a person reads at the end of the day."""
    on = r["onsite"]
    lines = [f"Daily review of {r['event']} for {r['day']}", "",
             f"On-site sales (channels {', '.join(on['channels'])}): {on['issued_today']} today, "
             f"{on['issued_to_date']} to date, planned {on['planned']}"]
    lines += [f"  {t['type']:<10} today {t['issued_today']:>5}  to date {t['issued_to_date']:>5}  "
              f"planned {t['planned']:>5}" for t in on["types"]]
    lines += ["", f"Upgrades: {len(r['upgrades'])}"]
    lines += [f"  ticket {u['ticket_id']}: {u['from']} -> {u['to']} ({u['price_difference']})" for u in r["upgrades"]]
    lines += ["", f"Transfers: {len(r['transfers'])}"]
    lines += [f"  ticket {t['ticket_id']}: {t['from']} -> {t['to']}" + (f" (approved by {t['approved_by']})"
                                                                          if t["approved_by"] else "")
              for t in r["transfers"]]
    rel = r["could_release"]
    lines += ["", "Could be released:"]
    lines += [f"  {u['tickets']} unused {u['type']} ticket(s) via {u['channel'] or 'no channel'}"
              for u in rel["unused_tickets"]]
    lines += [f"  {q['unsold']} unsold {q['type']} quota seat(s) of {q['channel']}" for q in rel["unsold_quota"]]
    lines += [f"  {b['buffer']} {b['type']} buffer seat(s)" for b in rel["buffer"]]
    held = r["expired_holds"]
    lines += ["", f"Expired holds: {held['count']} ({held['seats']} seat(s))"]
    lines += [f"  sale {s['sale']}: {s['quantity']} {s['type']} by {s['method']} at {s['expired_at']}"
              + (" - confirmed late" if s["confirmed_late"] else "") for s in held["sales"]]
    return "\n".join(lines)


def register(group: click.Group) -> None:
    group.add_command(sweep_command)
    group.add_command(review_command)

