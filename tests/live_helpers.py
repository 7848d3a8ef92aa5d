"""What the live tests share: comparing live counts with the database, and waiting for messages."""
import time
from contextlib import contextmanager

from flask_migrate import stamp
from sqlalchemy import func, select

from checkin import create_app
from checkin.extensions import db
from checkin.live.hub import hub_of
from checkin.models import Admission, Event, Ticket, TicketType
from checkin.scheduler import Scheduler, shared_tasks


@contextmanager
def threaded_app(tmp_path, tasks: bool = False, **config):
    """An app on a file SQLite database whose live hub runs on its own thread, as on `gate serve`
    (and, with `tasks`, its shared background tasks on a scheduler, as `gate serve` starts them)."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'gate.db'}", "SECRET_KEY": "t",
                      "LIVE_BACKGROUND": True, **config})
    with app.app_context():
        db.create_all()
        stamp()
    scheduler = Scheduler(app, shared_tasks(app.config) if tasks else []).start()
    try:
        yield app
    finally:
        scheduler.stop()
        hub_of(app).close()
        with app.app_context():
            db.engine.dispose()


def live_counts(api, slug: str = "ev") -> dict:
    r = api.get(f"/api/v1/events/{slug}/counts/live")
    assert r.status_code == 200, r.json
    return r.json


def assert_counts_match_database(app, api, slug: str = "ev") -> dict:
    """The incrementally kept counts equal a recount from the scans and admissions tables."""
    live = live_counts(api, slug)
    truth = api.get(f"/api/v1/events/{slug}/counts").json
    for code, gate in truth["gates"].items():
        mine = live["gates"][code]
        assert (mine["entries"], mine["exits"], mine["refused"], mine["duplicates"]) == \
            (gate["entries"], gate["exits"], gate["refused"], gate["duplicates"]), code
    for zone, z in truth["zones"].items():
        assert (live["zones"][zone]["inside"], live["zones"][zone]["entries"], live["zones"][zone]["exits"]) == \
            (z["inside"], z["entries"], z["exits"]), zone
    for code, t in truth["types"].items():  # by the ticket's type now, upgrades and downgrades included
        mine = live["types"][code]
        assert (mine["entries"], mine["exits"], mine["refused"], mine["duplicates"]) == \
            (t["entries"], t["exits"], t["refused"], t["duplicates"]), code
    assert (live["totals"]["walkins"], live["totals"]["badges"], live["totals"]["reprints"]) == \
        (truth["walk_ins"], truth["badges_printed"], truth["reprints"])
    with app.app_context():
        rows = db.session.execute(select(Admission.zone, TicketType.code, func.count())
                                  .join(Ticket, Ticket.id == Admission.ticket_id)
                                  .join(TicketType, TicketType.id == Ticket.type_id)
                                  .join(Event, Event.id == Admission.event_id)
                                  .where(Admission.inside.is_(True), Event.slug == slug)
                                  .group_by(Admission.zone, TicketType.code)).all()
        db.session.rollback()
    inside = {(zone, code): n for zone, code, n in rows}
    shown = {(zone, code): n for zone, z in live["zones"].items() for code, n in z["inside_by_type"].items()}
    assert shown == inside
    assert live["totals"]["entries"] == sum(g["entries"] for g in truth["gates"].values())
    return live


def received(client, name: str | None = None) -> list:
    """Messages a Socket.IO test client got since last asked (payloads only), optionally of one name."""
    return [m["args"][0] for m in client.get_received("/live") if name is None or m["name"] == name]


def by_name(client) -> dict[str, list]:
    """Messages a Socket.IO test client got since last asked, grouped by event name."""
    grouped: dict[str, list] = {}
    for m in client.get_received("/live"):
        grouped.setdefault(m["name"], []).append(m["args"][0])
    return grouped


def wait_for(check, timeout: float = 5.0, every: float = 0.02):
    """Poll check() until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"nothing arrived within {timeout} s")
