"""The scheduler: each task on its own period, a failing task retried without stopping the others, a clean stop."""
import itertools
import logging
import threading
import time

import pytest
from sqlalchemy import select, update

from checkin import create_app
from checkin.extensions import db
from checkin.live.counters import minute_of
from checkin.live.tasks import KEEP_MINUTES, purge_old_minutes
from checkin.models import Counter, Event, utcnow
from checkin.scheduler import Scheduler, Task, serving_tasks, shared_tasks
from live_helpers import wait_for


@pytest.fixture
def plain_app(tmp_path):
    """An app for the scheduler's own timing: its tasks need an app context, not a database."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'gate.db'}", "SECRET_KEY": "t"})
    yield app
    with app.app_context():
        db.engine.dispose()


def recorder(runs: list, fail: bool = False):
    def task():
        runs.append(time.monotonic())
        if fail:
            raise RuntimeError("database is locked")
    return task


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_each_task_runs_at_start_then_on_its_own_period(plain_app):
    fast, slow, once = [], [], []
    scheduler = Scheduler(plain_app, [Task("fast", recorder(fast), 0.05), Task("slow", recorder(slow), 0.4),
                                      Task("once", recorder(once), None)])
    started = time.monotonic()
    scheduler.start()
    time.sleep(1.0)
    scheduler.stop()
    assert len(once) == 1 and once[0] - started < 0.5
    assert 2 <= len(slow) <= 4 and min(gaps(slow)) >= 0.39  # at 0, 0.4 and 0.8 s
    assert len(fast) >= 8 and min(gaps(fast)) >= 0.045
    assert not scheduler.running


def test_a_failing_task_is_logged_and_retried_and_the_others_go_on(plain_app, caplog):
    broken, fine = [], []
    scheduler = Scheduler(plain_app, [Task("broken", recorder(broken, fail=True), 0.05),
                                      Task("fine", recorder(fine), 0.05)]).start()
    try:
        wait_for(lambda: len(broken) >= 3 and len(fine) >= 3)
    finally:
        scheduler.stop()
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and "'broken' failed" in r.getMessage()]
    assert len(failures) >= 3 and "database is locked" in failures[0].exc_text


def test_stop_lets_the_running_task_finish_and_runs_nothing_after(plain_app):
    started, finished, others = threading.Event(), [], []

    def slow():
        started.set()
        time.sleep(0.3)
        finished.append(True)

    scheduler = Scheduler(plain_app, [Task("slow", slow, 0.01), Task("hourly", recorder(others), 3600)]).start()
    assert started.wait(5)
    scheduler.stop()
    assert finished == [True] and not scheduler.running
    time.sleep(0.1)
    assert finished == [True] and len(others) <= 1


def test_stop_does_not_wait_for_the_next_turn(plain_app):
    runs = []
    scheduler = Scheduler(plain_app, [Task("hourly", recorder(runs), 3600)]).start()
    wait_for(lambda: runs)
    began = time.monotonic()
    scheduler.stop()
    assert time.monotonic() - began < 1 and not scheduler.running


def test_a_task_runs_in_an_app_context_and_its_transaction_always_ends(app, make_event):
    make_event()

    def rename():  # no commit of its own: a run that returns is committed
        db.session.execute(update(Event).values(name="Renamed"))

    def rename_then_fail():
        db.session.execute(update(Event).values(name="Half done"))
        raise RuntimeError("broken half-way")

    scheduler = Scheduler(app, [])
    assert scheduler.run_task(Task("fail", rename_then_fail, 1)) is False
    with app.app_context():
        assert db.session.scalar(select(Event.name)) == "Event ev"  # rolled back, and nothing left locked
        db.session.execute(update(Event).values(name="Written meanwhile"))
        db.session.commit()
    assert scheduler.run_task(Task("rename", rename, None)) is True
    with app.app_context():
        assert db.session.scalar(select(Event.name)) == "Renamed"
        db.session.remove()


def test_serving_runs_the_badge_warm_up_and_the_shared_tasks_unless_told_not_to(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'gate.db'}", "SECRET_KEY": "t",
                      "HOLD_SWEEP_SECONDS": 7, "LIVE_WATCH_SECONDS": 20, "WEBHOOK_SECONDS": 3})
    shared = [(t.name, t.every) for t in shared_tasks(app.config)]
    assert shared == [("release expired holds", 7.0), ("device watch", 20.0), ("counter purge", 600.0),
                      ("webhooks", 3.0), ("printer watch", 20.0)]
    assert [(t.name, t.every) for t in serving_tasks(app.config, shared=False)] == [("badge warm-up", None)]
    assert [(t.name, t.every) for t in serving_tasks(app.config)][1:] == shared  # TASKS is on by default
    app.config["TASKS"] = False  # GATE_TASKS=false: this node only serves
    assert [t.name for t in serving_tasks(app.config)] == ["badge warm-up"]
    assert [(t.name, t.every) for t in serving_tasks(app.config, shared=True)][1:] == shared  # --tasks wins


def test_the_counter_purge_drops_only_old_minute_rows(app, make_event):
    make_event()
    now = minute_of(utcnow())
    with app.app_context():
        event_id = db.session.scalar(select(Event.id))
        for minute in (0, now - KEEP_MINUTES - 5, now - KEEP_MINUTES + 5, now):
            db.session.add(Counter(event_id=event_id, scope="event", key="", metric="test.entries", minute=minute,
                                   value=1))
        db.session.commit()
        assert purge_old_minutes() == 1
        kept = db.session.scalars(select(Counter.minute).where(Counter.metric == "test.entries")).all()
        assert sorted(kept) == [0, now - KEEP_MINUTES + 5, now]
        db.session.remove()
