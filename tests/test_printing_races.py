"""Races on printing, settled by the database: real threads on file SQLite and PostgreSQL."""
import threading

import pytest

import badges
from checkin.printing import jobs
from helpers import Api, run_together

JOBS = "/api/v1/events/ev/print-jobs"
DESKS = 12


@pytest.fixture
def bearer(token, make_event):
    make_event()
    return token("badge_desk", "ev")


def prints_of(app, bearer: str, ticket_id: int) -> list[int]:
    log = Api(app.test_client(), bearer).get(f"/api/v1/events/ev/tickets/{ticket_id}/badge").json
    assert log["badge"]["prints"] == len(log["prints"])
    return [p["print_no"] for p in log["prints"]]


def test_desks_printing_one_new_badge_at_once_print_it_once(app, bearer, issue):
    ticket_id = issue()[0]["id"]

    def work(i):
        return Api(app.test_client(), bearer).post(JOBS, {"ticket_ids": [ticket_id], "desk": f"desk {i}"})

    answers = run_together(DESKS, work)
    assert sorted(r.status_code for r in answers) == [201] + [409] * (DESKS - 1)
    assert prints_of(app, bearer, ticket_id) == [1]


def test_desks_reprinting_at_once_never_share_a_print_number(app, bearer, issue):
    ticket_id = issue()[0]["id"]
    Api(app.test_client(), bearer).post(JOBS, {"ticket_ids": [ticket_id]})

    def work(i):
        return Api(app.test_client(), bearer).post(JOBS, {"ticket_ids": [ticket_id], "reason": f"torn {i}"})

    answers = run_together(DESKS, work)
    assert {r.status_code for r in answers} <= {201, 409}
    won = [r.json["prints"][0]["print_no"] for r in answers if r.status_code == 201]
    assert won and len(set(won)) == len(won)
    assert prints_of(app, bearer, ticket_id) == list(range(1, len(won) + 2))


def test_a_change_committed_while_the_badge_renders_refuses_the_print(app, admin, bearer, issue, monkeypatch):
    ticket_id = issue()[0]["id"]
    real_render = badges.render
    transferred = []

    def render_during_a_transfer(*args, **kwargs):
        # Another clerk's transfer commits while this badge is being drawn; it
        # must not wait for the print (no transaction is open while rendering).
        clerk = threading.Thread(target=lambda: transferred.append(admin.post(
            f"/api/v1/events/ev/tickets/{ticket_id}/transfer",
            {"holder": {"name": "New Holder"}, "reason": "resold"}).status_code))
        clerk.start()
        clerk.join(10)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(jobs.badges, "render", render_during_a_transfer)
    r = Api(app.test_client(), bearer).post(JOBS, {"ticket_ids": [ticket_id]})
    assert transferred == [200]
    assert r.status_code == 409 and "ticket_ids.0" in r.json["errors"]
    assert prints_of(app, bearer, ticket_id) == []
    monkeypatch.undo()
    job = Api(app.test_client(), bearer).post(JOBS, {"ticket_ids": [ticket_id]}).json
    assert job["prints"][0]["generation"] == 2
