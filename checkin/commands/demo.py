"""`gate demo`: a ready event to try every screen and the scanner at once."""
import random
import sys
from datetime import timedelta
from pathlib import Path

import click
import segno
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from tqdm import tqdm

from ..auth import ROLES, create_token
from ..events import setup as service
from ..extensions import db
from ..models import Event, Ticket, utcnow
from ..tickets.records import current_code, import_tickets
from . import call_service, ensure_schema

TYPES = [  # code, name, price, capacity, badge type, zones
    ("GA", "General", "2500", 4000, "General", ["hall"]),
    ("STU", "Student", "800", 600, "Student", ["hall"]),
    ("VIP", "VIP", "12000", 400, "VIP", ["hall", "lounge"]),
    ("SPO", "Sponsor", "0", 300, "Sponsor", ["hall", "lounge"]),
    ("SPK", "Speaker", "0", 150, "Speaker", ["hall", "lounge"]),
    ("STAFF", "Staff", "0", 200, "Staff", ["hall", "lounge"]),
    ("ONSITE", "On-site", "3000", 500, "On-site", ["hall"]),
]
CHANNELS = [
    ("web", "Web", {"GA": 2500, "STU": 400, "VIP": 120}),
    ("box", "Box office", {"ONSITE": 400, "GA": 300}),
    ("partner", "Partner", {"GA": 400, "STU": 100}),
    ("sponsor", "Sponsor", {"SPO": 120, "VIP": 40}),
]
GATES = [
    {"code": "north", "name": "North Gate", "zone": "hall", "admits": [t[0] for t in TYPES], "direction": "both"},
    {"code": "south", "name": "South Gate", "zone": "hall", "admits": [t[0] for t in TYPES], "direction": "both"},
    {"code": "lounge", "name": "VIP Lounge", "zone": "lounge", "admits": ["VIP", "SPO", "SPK", "STAFF"],
     "direction": "both", "reentry": True},
]
PAGES = [("gate", "gate"), ("desk", "badge_desk"), ("box", "box_office"), ("dashboard", "supervisor")]
FIRST = ["Asha", "Ravi", "Maria", "Chen", "Fatima", "Yuki", "Olu", "Lena", "Arjun", "Noah", "Priya", "Omar",
         "Sofia", "Kenji", "Amara", "Diego", "Anika", "Jonas", "Mei", "Tariq", "प्रिया", "أحمد", "יעל", "김민준", "王芳"]
LAST = ["Sharma", "Okafor", "Garcia", "Wang", "Haddad", "Tanaka", "Müller", "Iyer", "Nguyen", "Cohen", "Silva",
        "Kowalski", "Mensah", "Rossi", "Khan", "Park", "शर्मा", "الحسيني", "לוי", "佐藤"]
COMPANIES = ["Acme Labs", "Blue Yonder", "Nimbus", "Kite & Key", "Orbital", None, None]


@click.command("demo")
@click.option("--slug", default="demo", show_default=True)
@click.option("--tickets", "count", default=3000, show_default=True, type=click.IntRange(1, 5000))
@click.option("--qr-dir", type=click.Path(file_okay=False), help="Where to write sample QR images.")
@with_appcontext
def demo(slug: str, count: int, qr_dir: str | None) -> None:
    """Seed a demo event (once), print a token per role, and write sample QR codes."""
    ensure_schema()
    event = db.session.scalar(select(Event).where(Event.slug == slug)) or _seed(slug, count)
    click.echo(f"Event {event.slug!r}: {event.name}")
    click.echo("Tokens (shown once):")
    tokens = {role: create_token(role, event.slug, name=f"Demo {role}") for role in ROLES}
    for role, token in tokens.items():
        click.echo(f"  {role:<11} {token}")
    folder = Path(qr_dir or Path(current_app.instance_path) / "demo-qr")
    _write_codes(event, folder)
    click.echo(f"Sample QR codes for {event.slug}: {folder}")
    click.echo("Screens, once `gate serve` runs (the link keeps the token in this browser):")
    for page, role in PAGES:
        click.echo(f"  {page:<10} http://127.0.0.1:5000/{page}?event={event.slug}&token={tokens[role]}")
    click.echo(f"Pair a tablet instead: gate device pair --role gate --event {event.slug} --gate north")


def _seed(slug: str, count: int) -> Event:
    now = utcnow()
    event = call_service(service.create_event, {
        "slug": slug, "name": "Demo Conference", "timezone": "Asia/Kolkata", "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=3), "capacity": 6000}, "demo")
    for code, name, price, capacity, badge, zones in TYPES:
        call_service(service.create_ticket_type, event, {
            "code": code, "name": name, "price": price, "capacity": capacity, "buffer": capacity // 20,
            "badge_type": badge, "zones": zones, "low_stock_at": capacity // 10}, "demo")
    for code, name, quotas in CHANNELS:
        call_service(service.create_channel, event, {"code": code, "name": name, "allocations": quotas}, "demo")
    for gate in GATES:
        call_service(service.create_gate, event, dict(gate), "demo")
    rows = _ticket_rows(count)
    with tqdm(total=len(rows), desc="issuing demo tickets", unit=" tickets", file=sys.stderr) as bar:
        call_service(import_tickets, event, rows, "demo", progress=bar.update)
    return event


def _ticket_rows(count: int) -> list[dict]:
    rng = random.Random(7)
    mix = ["GA"] * 60 + ["STU"] * 12 + ["VIP"] * 6 + ["SPO"] * 5 + ["SPK"] * 3 + ["STAFF"] * 4 + ["ONSITE"] * 2
    channel_for = {"GA": "web", "STU": "web", "VIP": "web", "SPO": "sponsor", "ONSITE": "box"}
    rows = []
    for i in range(count):
        ttype = rng.choice(mix)
        rows.append({"external_id": f"demo-{i:05d}", "type": ttype, "channel": channel_for.get(ttype),
                     "state": "pending" if i % 97 == 5 else "valid",
                     "holder": {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                                "email": f"guest{i}@example.org", "company": rng.choice(COMPANIES)}})
    return rows


def _write_codes(event: Event, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    picks = db.session.scalars(select(Ticket).where(Ticket.event_id == event.id).order_by(Ticket.id).limit(8))
    for ticket in picks:
        qr = segno.make(current_code(ticket), error="m")
        name = f"{ticket.id:05d}-{ticket.type.code}-{ticket.state}.png"
        qr.save(folder / name, scale=8, border=4)


def register(group: click.Group) -> None:
    group.add_command(demo)
