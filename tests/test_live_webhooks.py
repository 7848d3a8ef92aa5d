"""Alerts posted to a webhook: Slack-compatible JSON, retried, posted once, never in a scan's way."""
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from checkin.auth import create_token
from checkin.extensions import db
from checkin.live.alerts import candidate, raise_alerts, settings_for
from checkin.live.hub import hub_of
from checkin.live.webhooks import RETRY_AFTER_SECONDS, deliver_due
from checkin.models import Alert, Event, utcnow
from helpers import Api
from live_helpers import threaded_app, wait_for


class Receiver:
    """A local webhook endpoint: answers with the next queued status (200 when none), optionally slowly."""

    def __init__(self):
        self.posts: list[dict] = []
        self.started = 0
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.started += 1
                time.sleep(receiver.delay)
                receiver.posts.append(body)
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def sold_out_event(admin, make_event, issue, url):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 1, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    assert admin.put("/api/v1/events/ev/alert-settings", {"webhook_url": url}).status_code == 200
    issue()


def deliveries(app, now=None):
    with app.app_context():
        try:
            return deliver_due(now)
        finally:
            db.session.remove()


def webhook_state(app):
    with app.app_context():
        row = db.session.execute(select(Alert.webhook_state, Alert.webhook_attempts, Alert.webhook_error)).one()
        db.session.remove()
        return tuple(row)


def test_an_alert_is_posted_as_slack_json(app, admin, make_event, issue, receiver):
    sold_out_event(admin, make_event, issue, receiver.url)
    hub_of(app).settle()
    assert deliveries(app) == 1
    [body] = receiver.posts
    assert body["text"] == "[critical] Event ev: General is sold out"
    assert body["event"] == "ev" and body["alert"]["kind"] == "sold_out"
    assert webhook_state(app) == ("sent", 1, None)
    assert deliveries(app) == 0  # sent once


def test_failed_posts_are_retried_then_given_up(app, admin, make_event, issue, receiver):
    sold_out_event(admin, make_event, issue, receiver.url)
    hub_of(app).settle()
    receiver.statuses = [500] * 10
    assert deliveries(app) == 0
    assert webhook_state(app) == ("pending", 1, "HTTP 500")
    assert deliveries(app) == 0 and len(receiver.posts) == 1  # not due yet
    later = utcnow()
    for attempt, wait in enumerate(RETRY_AFTER_SECONDS, start=2):
        later += timedelta(seconds=wait + 1)
        deliveries(app, later)
        assert len(receiver.posts) == attempt
    assert webhook_state(app) == ("failed", 5, "HTTP 500")
    deliveries(app, later + timedelta(days=1))
    assert len(receiver.posts) == 5


def test_a_retry_that_gets_through_is_sent(app, admin, make_event, issue, receiver):
    sold_out_event(admin, make_event, issue, receiver.url)
    hub_of(app).settle()
    receiver.statuses = [503]
    deliveries(app)
    deliveries(app, utcnow() + timedelta(seconds=RETRY_AFTER_SECONDS[0] + 1))
    assert webhook_state(app) == ("sent", 2, None) and len(receiver.posts) == 2


def test_two_senders_at_once_post_an_alert_once(app, admin, make_event, issue, receiver):
    sold_out_event(admin, make_event, issue, receiver.url)
    hub_of(app).settle()
    receiver.delay = 0.2
    barrier = threading.Barrier(6)
    results = []

    def send():
        barrier.wait()
        results.append(deliveries(app))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [0] * 5 + [1] and len(receiver.posts) == 1


def test_a_run_starts_no_post_once_its_time_is_up(app, admin, make_event, issue, receiver):
    sold_out_event(admin, make_event, issue, receiver.url)
    hub_of(app).settle()
    with app.app_context():
        event_id = db.session.scalar(select(Event.id))
        quiet = [candidate("device_silent", "warning", f"device_silent:t{i}", "quiet") for i in range(3)]
        raise_alerts(event_id, quiet, settings_for(event_id))
        db.session.commit()
        receiver.delay = 0.3
        assert deliver_due(budget=0.1) == 1  # the other scheduled tasks wait while this one posts
        assert deliver_due() == 3  # the rest stayed due for the next run
        db.session.remove()
    assert len(receiver.posts) == 4


@pytest.fixture
def served_app(tmp_path):
    """The app with its hub and its background tasks on threads, as on `gate serve`."""
    with threaded_app(tmp_path, tasks=True, WEBHOOK_TIMEOUT=5, WEBHOOK_SECONDS=0.1) as app:
        yield app


def test_a_hanging_webhook_never_slows_a_scan(served_app, receiver):
    app = served_app
    receiver.delay = 3.0
    with app.app_context():
        admin = Api(app.test_client(), create_token("admin"))
    admin.post("/api/v1/events", {"slug": "ev", "name": "Ev", "timezone": "UTC",
                                  "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2199-01-01T00:00:00+00:00"})
    admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 20,
                                                  "badge_type": "General"})
    admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]})
    admin.put("/api/v1/events/ev/alert-settings", {"webhook_url": receiver.url})
    codes = [t["code"] for t in admin.post("/api/v1/events/ev/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"G{i}"}} for i in range(20)]}).json["tickets"]]  # sold out: an alert
    wait_for(lambda: receiver.started, timeout=10)  # the post is under way, and hangs for 3 s
    slowest = 0.0
    for code in codes:
        started = time.monotonic()
        assert admin.post("/api/v1/events/ev/scans", {"code": code, "gate": "north"}).json["status"] == "ok"
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 0.5
    wait_for(lambda: receiver.posts, timeout=10)
