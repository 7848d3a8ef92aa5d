"""Print badge now: the box office sends a ticket's badge to a desk, the desk prints it, the box follows it."""
import pytest
from sqlalchemy import func, select

from checkin.extensions import db
from checkin.models import BadgePrint, BadgeRequest, Desk
from helpers import Api, run_together

EV = "/api/v1/events/ev"
NO_BADGE = {"code": "CREW", "name": "Crew", "capacity": 5, "badge_type": "none"}


@pytest.fixture
def ev(make_event):
    return make_event(types=[{"code": "GA", "name": "General", "capacity": 100, "badge_type": "General"}, NO_BADGE],
                      gates=[{"code": "north", "name": "North Gate", "zone": "hall", "admits": ["GA", "CREW"]}])


@pytest.fixture
def box(client, token, ev):
    return Api(client, token("box_office", "ev"))


@pytest.fixture
def desk(client, token, ev):
    """A desk screen's token; desk.here(name) asks for that desk's queue (and so opens it)."""
    api = Api(client, token("badge_desk", "ev"))

    def here(name="Desk 1"):
        r = api.post(f"{EV}/desks/queue", {"desk": name})
        assert r.status_code == 200, r.json
        return r.json
    api.here = here
    return api


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_badge_sent_to_a_desk_is_queued_printed_there_and_followed_by_the_box(app, box, desk, issue):
    ticket = issue()[0]
    assert desk.here()["requests"] == []
    listed = box.get(f"{EV}/desks").json["desks"]
    assert [(d["name"], d["open"]) for d in listed] == [("Desk 1", True)]

    sent = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"})
    assert sent.status_code == 201, sent.json
    request = sent.json
    assert {k: request[k] for k in ("ticket_id", "desk", "state", "job_id", "type")} == {
        "ticket_id": ticket["id"], "desk": "Desk 1", "state": "queued", "job_id": None, "type": "GA"}
    assert request["holder"]["name"] == ticket["holder"]["name"] and request["actor"].endswith(":box_office")
    again = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"})
    assert again.status_code == 200 and again.json["id"] == request["id"]  # the same request, not a second badge

    [queued] = desk.here()["requests"]
    assert queued["id"] == request["id"]
    printed = desk.post(f"{EV}/badge-requests/{request['id']}/print")
    assert printed.status_code == 201, printed.json
    job = printed.json["job"]
    assert job["desk"] == "Desk 1" and job["prints"][0]["ticket_id"] == ticket["id"]
    assert desk.get(job["pdf"]).data.startswith(b"%PDF")
    followed = box.get(f"{EV}/badge-requests/{request['id']}").json
    assert followed["state"] == "printed" and followed["job_id"] == job["id"]
    assert desk.here()["requests"] == []
    assert desk.post(f"{EV}/badge-requests/{request['id']}/print").status_code == 409  # printed once
    assert desk.get(f"{EV}/tickets/{ticket['id']}/badge").json["badge"]["prints"] == 1
    asked_again = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"})
    assert asked_again.status_code == 200 and asked_again.json["state"] == "printed"


def test_a_print_the_desk_cannot_make_fails_the_request_with_why_and_asking_again_queues_it(box, desk, issue):
    ticket = issue()[0]
    desk.here()
    request = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"}).json
    assert desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket["id"]]}).status_code == 201  # printed by hand meanwhile
    refused = desk.post(f"{EV}/badge-requests/{request['id']}/print")
    assert refused.status_code == 409 and "already printed" in refused.json["detail"]
    failed = box.get(f"{EV}/badge-requests/{request['id']}").json
    assert failed["state"] == "failed" and "already printed" in failed["detail"]
    assert desk.here()["requests"] == []
    requeued = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"})
    assert requeued.status_code == 200 and requeued.json["state"] == "queued" and requeued.json["detail"] is None
    assert [r["id"] for r in desk.here()["requests"]] == [request["id"]]


def test_bad_requests_name_the_field_and_write_nothing(app, client, token, box, desk, issue, make_event):
    ticket, crew = issue()[0], issue(type="CREW")[0]
    make_event("other")
    elsewhere = issue("other")[0]
    desk.here()
    before = rows(app, BadgeRequest), rows(app, Desk)
    for body, status, field in [
        ({"ticket_id": ticket["id"], "desk": "Desk 9"}, 422, "desk"),  # no such desk
        ({"ticket_id": ticket["id"], "desk": "desk 1"}, 422, "desk"),  # names are exact
        ({"ticket_id": elsewhere["id"], "desk": "Desk 1"}, 422, "ticket_id"),
        ({"ticket_id": 2**31 - 1, "desk": "Desk 1"}, 422, "ticket_id"),
        ({"ticket_id": crew["id"], "desk": "Desk 1"}, 409, "ticket_id"),  # its type gets no badge
        ({"ticket_id": ticket["id"]}, 422, "desk"),
        ({"desk": "Desk 1"}, 422, "ticket_id"),
        ({"ticket_id": "1", "desk": "Desk 1"}, 422, "ticket_id"),
        ({"ticket_id": ticket["id"], "desk": " Desk 1"}, 422, "desk"),
        ({"ticket_id": ticket["id"], "desk": ""}, 422, "desk"),
        ({"ticket_id": ticket["id"], "desk": "x" * 65}, 422, "desk"),
        ({"ticket_id": ticket["id"], "desk": "Desk\n1"}, 422, "desk"),
        ({"ticket_id": ticket["id"], "desk": "Desk 1", "extra": 1}, 422, "extra"),
    ]:
        r = box.post(f"{EV}/badge-requests", body)
        assert r.status_code == status, (body, r.json)
        assert field in str(r.json.get("errors", {})), (body, r.json)
    for bad in [{}, {"desk": ""}, {"desk": 5}, {"desk": "x" * 65}, {"desk": "a\u0000b"}]:
        assert desk.post(f"{EV}/desks/queue", bad).status_code == 422, bad
    assert desk.post(f"{EV}/badge-requests/999/print").status_code == 404
    assert box.get(f"{EV}/badge-requests/999").status_code == 404
    assert (rows(app, BadgeRequest), rows(app, Desk)) == before


def test_who_may_send_and_print(client, token, box, desk, issue, make_event):
    ticket = issue()[0]
    make_event("other")
    desk.here()
    for role in ("gate", "viewer"):  # neither prints badges nor sends them
        other = Api(client, token(role, "ev"))
        assert other.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"}).status_code == 403
        assert other.get(f"{EV}/desks").status_code == 403
        assert other.post(f"{EV}/desks/queue", {"desk": "Desk 2"}).status_code == 403
    elsewhere = Api(client, token("box_office", "other"))  # a token of another event
    assert elsewhere.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"}).status_code == 403
    sent = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"})
    assert sent.status_code == 201
    assert desk.post(f"{EV}/badge-requests/{sent.json['id']}/print").status_code == 201


def test_two_screens_of_one_desk_print_a_request_once(app, token, box, desk, issue):
    ticket = issue()[0]
    desk.here()
    request = box.post(f"{EV}/badge-requests", {"ticket_id": ticket["id"], "desk": "Desk 1"}).json
    bearer = token("badge_desk", "ev")

    def work(_i):
        return Api(app.test_client(), bearer).post(f"{EV}/badge-requests/{request['id']}/print")

    answers = run_together(6, work)
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    assert box.get(f"{EV}/badge-requests/{request['id']}").json["state"] == "printed"
    assert rows(app, BadgePrint) == 1


def test_many_clerks_sending_one_badge_at_once_make_one_request(app, token, desk, issue):
    ticket = issue()[0]
    desk.here()
    bearer = token("box_office", "ev")

    def work(_i):
        return Api(app.test_client(), bearer).post(f"{EV}/badge-requests", {"ticket_id": ticket["id"],
                                                                            "desk": "Desk 1"})

    answers = run_together(6, work)
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    assert len({r.json["id"] for r in answers}) == 1 and rows(app, BadgeRequest) == 1
