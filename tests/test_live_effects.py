"""What a transaction states it causes is written and shown at its commit, and only then."""
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.pool import Pool

from checkin.extensions import db, socketio
from checkin.live import alerts, counters
from checkin.live.hub import hub_of
from checkin.models import Event, LedgerEntry, utcnow
from checkin.stock.ledger import journal, journal_many
from helpers import NOW
from live_helpers import live_counts, received

BADGE = {"actor": "desk", "action": "badge.print", "ticket_id": None, "type_id": None, "channel_id": None,
         "quantity": 0, "reason": None, "before": None, "after": {"job": 1}}


@pytest.fixture
def screen(app, admin, token, make_event):
    """An event, and a screen joined to it that has read everything so far."""
    make_event()
    hub_of(app).settle()
    client = socketio.test_client(app, namespace="/live", auth={"token": token("viewer")})
    assert client.emit("join", {"event": "ev"}, namespace="/live", callback=True)["ok"]
    client.get_received("/live")
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
        db.session.rollback()
    return {"client": client, "event_id": event_id, "before": live_counts(admin)}


def _note_everything(event_id: int) -> None:
    """Effects of every kind, as the services state them."""
    journal_many([{**BADGE, "event_id": event_id, "at": utcnow()}])
    journal(event_id, "desk", "type.buffer_release", quantity=0)
    counters.add(event_id, [("gate", "north", "entries", 0, 1)])
    alerts.raise_alerts(event_id, [alerts.candidate("sold_out", "warning", "test:1", "GA is sold out")],
                        alerts.settings_for(event_id), NOW)


def _unchanged(counts: dict, before: dict) -> bool:
    return all(counts[k] == before[k] for k in ("version", "totals", "gates", "zones", "types"))


def test_a_rollback_drops_what_the_transaction_noted(app, admin, screen):
    with app.app_context():
        _note_everything(screen["event_id"])
        assert db.session().outbox.counters and db.session().outbox.news()
        db.session.rollback()
        assert db.session().outbox.counters is None and not db.session().outbox.news()
        db.session.commit()  # the next commit has nothing of it to hand over
    assert hub_of(app).inbox.empty()
    hub_of(app).settle()
    assert received(screen["client"]) == []
    assert _unchanged(live_counts(admin), screen["before"])


def test_a_savepoint_commit_hands_nothing_over_before_the_transaction_commits(app, admin, screen):
    hub = hub_of(app)
    with app.app_context():
        _note_everything(screen["event_id"])
        savepoint = db.session.begin_nested()
        counters.add(screen["event_id"], [("gate", "north", "entries", 0, 1)])
        savepoint.commit()
        assert hub.inbox.empty()  # the outer transaction may still roll back
        db.session.commit()
        assert not hub.inbox.empty()
    hub.settle()
    names = {m["name"] for m in screen["client"].get_received("/live")}
    assert names == {"counts", "inventory", "alert"}
    after = live_counts(admin)
    assert after["gates"]["north"]["entries"] == screen["before"]["gates"]["north"]["entries"] + 2
    assert after["totals"]["badges"] == screen["before"]["totals"]["badges"] + 1


def test_a_commit_that_fails_shows_and_counts_nothing(app, admin, screen):
    with app.app_context():
        _note_everything(screen["event_id"])
        db.session.add(LedgerEntry(event_id=screen["event_id"], actor=None, action="broken", at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.commit()  # the flush fails inside commit: nothing was committed
        assert not db.session().outbox.news()
        db.session.rollback()
    assert hub_of(app).inbox.empty()
    assert _unchanged(live_counts(admin), screen["before"])


def test_entries_journaled_with_journal_many_are_counted(app, admin, screen):
    event_id = screen["event_id"]
    with app.app_context():
        now = utcnow()
        sale = {"event_id": event_id, "at": now, "actor": "box", "action": "ticket.issue", "ticket_id": None,
                "type_id": None, "channel_id": None, "quantity": 1, "reason": None, "before": None,
                "after": {"sale": 7, "state": "valid"}}
        journal_many([{**BADGE, "event_id": event_id, "at": now},
                      {**BADGE, "event_id": event_id, "at": now, "action": "badge.reprint"}, sale])
        db.session.commit()
    hub_of(app).settle()
    totals, before = live_counts(admin)["totals"], screen["before"]["totals"]
    assert (totals["badges"], totals["reprints"], totals["walkins"]) == \
        (before["badges"] + 2, before["reprints"] + 1, before["walkins"] + 1)
    assert {"counts", "inventory"} <= {m["name"] for m in screen["client"].get_received("/live")}


def test_a_transaction_is_never_begun_past_commit(app):
    with app.app_context():
        with pytest.raises(InvalidRequestError):
            db.session.begin()  # `with session.begin():` would commit without writing what it noted
        savepoint = db.session.begin_nested()
        savepoint.rollback()
        db.session.rollback()


def _ours(cls) -> list[str]:
    """Listeners of ours registered on a SQLAlchemy class (not on one engine or session)."""
    found = []
    for name in cls.dispatch._event_names:
        for target, listeners in getattr(cls.dispatch, name)._clslevel.items():
            found += [f"{target.__name__}.{name}: {fn.__module__}.{fn.__qualname__}" for fn in listeners
                      if fn.__module__.startswith(("checkin", "tests", "test_"))]
    return found


def test_nothing_listens_on_sqlalchemys_global_classes(app):
    def probe(*_args):
        pass

    for cls, name in ((Session, "after_commit"), (Engine, "after_execute")):
        sa_event.listen(cls, name, probe)
        assert _ours(cls)  # the inspection sees a listener of ours when there is one
        sa_event.remove(cls, name, probe)
    with app.app_context():
        app_session = type(db.session())
    for cls in (Session, app_session, Engine, Connection, Pool, Mapper):
        assert _ours(cls) == [], cls
    assert not sa_event.contains(Session, "after_commit", probe)
