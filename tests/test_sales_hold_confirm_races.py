"""Card holds and confirmations at the same moment, with real threads: the box office at doors-open.

A hold takes the event's seat count, then the type's; a confirmation moves the type's held seat
to sold, then numbers the ticket on the event's row. Both must succeed together on every database
(on PostgreSQL, taking the two rows in opposite orders deadlocked and one of them answered 503: every
stock move now locks the event's row first)."""
import threading

import pytest
from conftest import ready_app

from helpers import Api

PAIRS = 30
ROUNDS = 3


@pytest.fixture
def app(database_url, tmp_path):
    options = {"connect_args": {"check_same_thread": False}} if database_url.startswith("sqlite") else \
        {"pool_size": 8, "max_overflow": 8, "pool_timeout": 120, "pool_pre_ping": True}
    with ready_app(database_url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS=options) as app:
        yield app


def _hold(client: Api) -> tuple[int, dict]:
    r = client.post("/api/v1/events/ev/sales", {"type": "WALK", "quantity": 1, "payment": {"method": "card"}})
    return r.status_code, r.json


@pytest.mark.slow
def test_holds_and_confirmations_at_once_all_succeed(app, token, make_event):
    make_event("ev", types=[{"code": "WALK", "name": "Walk-in", "capacity": 10_000, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["WALK"]}])
    bearer = token("box_office", "ev")
    statuses: list[int] = []
    for _ in range(ROUNDS):
        open_holds = [_hold(Api(app.test_client(), bearer))[1]["sale"]["id"] for _ in range(PAIRS)]
        start = threading.Barrier(2 * PAIRS)
        lock = threading.Lock()

        def confirm(sale_id):
            client = Api(app.test_client(), bearer)
            start.wait()
            status = client.post(f"/api/v1/events/ev/sales/{sale_id}/confirm", {}).status_code
            with lock:
                statuses.append(status)

        def hold():
            client = Api(app.test_client(), bearer)
            start.wait()
            status = _hold(client)[0]
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=confirm, args=(i,)) for i in open_holds]
        threads += [threading.Thread(target=hold) for _ in range(PAIRS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert sorted(set(statuses)) == [201, 202], {s: statuses.count(s) for s in set(statuses)}
