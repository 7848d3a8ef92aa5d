"""Printers at desks, and the jobs a desk's print agent takes: set-up, media, leases, reports, alerts."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from checkin.extensions import db
from checkin.models import PrinterJob, utcnow
from helpers import Api, run_together

EV = "/api/v1/events/ev"
ZEBRA = {"name": "Zebra 1", "desk": "Desk 1", "connection": "tcp://127.0.0.1:9100", "language": "zpl",
         "media": "label-4x3", "dpi": 203}
LASER = {"name": "Laser", "desk": "Desk 1", "connection": "cups:office", "language": "pdf", "media": "a4-9"}


@pytest.fixture
def ev(make_event):
    return make_event()


@pytest.fixture
def boss(client, token, ev):
    return Api(client, token("supervisor", "ev"))


@pytest.fixture
def desk(client, token, ev):
    return Api(client, token("badge_desk", "ev"))


def next_job(api, wait=0, printers=None, desk="Desk 1"):
    r = api.post(f"{EV}/print-agent/next", {"desk": desk, "wait": wait, "printers": printers})
    assert r.status_code == 200, r.json
    return r.json["job"]


def test_a_printer_is_set_up_listed_and_removed(boss, desk):
    made = boss.post(f"{EV}/printers", ZEBRA)
    assert made.status_code == 201, made.json
    assert {k: made.json[k] for k in ("name", "desk", "language", "media", "dpi", "state")} == {
        "name": "Zebra 1", "desk": "Desk 1", "language": "zpl", "media": "label-4x3", "dpi": 203, "state": "unknown"}
    assert boss.post(f"{EV}/printers", ZEBRA).status_code == 409
    assert [p["name"] for p in desk.get(f"{EV}/printers").json["printers"]] == ["Zebra 1"]
    assert desk.post(f"{EV}/printers", LASER).status_code == 403  # a desk does not set up printers
    assert desk.post(f"{EV}/desks/queue", {"desk": "Desk 1"}).json["printers"][0]["name"] == "Zebra 1"
    assert boss.client.delete(f"{EV}/printers/Zebra 1", headers=boss.headers).status_code == 204
    assert desk.get(f"{EV}/printers").json["printers"] == []


@pytest.mark.parametrize("change, field", [
    ({"connection": "tcp://127.0.0.1"}, "connection"),
    ({"connection": "cups:has space"}, "connection"),
    ({"connection": "http://127.0.0.1/x"}, "connection"),
    ({"connection": "tcp://127.0.0.1:9100", "language": "pdf"}, "connection"),
    ({"language": "escpos"}, "language"),
    ({"media": "a3"}, "media"),
    ({"dpi": 5000}, "dpi"),
    ({"dpi": "300"}, "dpi"),
    ({"name": " Zebra"}, "name"),
    ({"name": "a/b"}, "name"),
    ({"options": {"model": "QL-1"}}, "options"),
    ({"language": "brother_ql", "options": {"label": "nope"}}, "options"),
])
def test_a_printer_set_up_wrong_is_refused_naming_the_field(boss, change, field):
    r = boss.post(f"{EV}/printers", {**ZEBRA, **change})
    assert r.status_code in (400, 422), r.json
    assert field in str(r.json), r.json
    assert boss.get(f"{EV}/printers").json["printers"] == []


def test_a_page_the_printer_does_not_hold_is_refused_before_anything_prints(boss, desk, issue):
    boss.post(f"{EV}/printers", ZEBRA)
    ticket = issue()[0]
    refused = desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket["id"]], "desk": "Desk 1", "page": "a4-9"})
    assert refused.status_code == 409 and "page" in refused.json["errors"], refused.json
    named = desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket["id"]], "printer": "Zebra 1", "page": "cr80"})
    assert named.status_code == 409 and "printer" in named.json["errors"], named.json
    assert desk.get(f"{EV}/tickets/{ticket['id']}/badge").json["prints"] == []  # nothing was logged
    fits = desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket["id"]], "desk": "Desk 1", "page": "label-4x3"})
    assert fits.status_code == 201 and fits.json["printer_job"]["state"] == "queued", fits.json


def test_a_desk_without_printers_still_prints_through_the_browser(desk, issue):
    r = desk.post(f"{EV}/print-jobs", {"ticket_ids": [issue()[0]["id"]], "desk": "Desk 2"})
    assert r.status_code == 201 and r.json["printer_job"] is None


def test_an_agent_takes_a_job_with_a_lease_and_reports_it_printed(boss, desk, issue):
    boss.post(f"{EV}/printers", ZEBRA)
    assert next_job(desk) is None
    printed = desk.post(f"{EV}/print-jobs", {"ticket_ids": [issue()[0]["id"]], "desk": "Desk 1", "page": "label-4x3"})
    job = next_job(desk, wait=5)
    assert job["print_job_id"] == printed.json["id"] and job["state"] == "sending" and job["attempts"] == 1
    assert job["printer"]["language"] == "zpl" and job["pdf"].endswith(f"/print-jobs/{printed.json['id']}.pdf")
    assert next_job(desk) is None  # held: nobody else gets it
    report = f"{EV}/printer-jobs/{job['id']}/report"
    assert desk.post(report, {"lease": "0" * 36, "state": "sent"}).status_code == 409  # not the lease holder
    assert desk.post(report, {"lease": job["lease"], "state": "printed"}).status_code == 409  # not sent yet
    sent = desk.post(report, {"lease": job["lease"], "state": "sent", "printer_ref": "17"})
    assert sent.status_code == 200 and sent.json["state"] == "sent", sent.json
    done = desk.post(report, {"lease": job["lease"], "state": "printed"})
    assert done.json["state"] == "printed"
    assert desk.post(report, {"lease": job["lease"], "state": "failed"}).status_code == 409  # over
    shown = desk.post(f"{EV}/desks/queue", {"desk": "Desk 1"}).json
    assert [(j["id"], j["state"]) for j in shown["printer_jobs"]] == [(job["id"], "printed")]
    assert desk.get(f"{EV}/print-jobs/{printed.json['id']}").json["printer_job"]["state"] == "printed"


def test_a_job_whose_agent_vanished_is_taken_again_once_its_lease_ran_out(app, boss, desk, issue):
    boss.post(f"{EV}/printers", ZEBRA)
    desk.post(f"{EV}/print-jobs", {"ticket_ids": [issue()[0]["id"]], "desk": "Desk 1", "page": "label-4x3"})
    first = next_job(desk)
    assert next_job(desk) is None
    with app.app_context():
        db.session.execute(update(PrinterJob).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    second = next_job(desk)
    assert second["id"] == first["id"] and second["attempts"] == 2 and second["lease"] != first["lease"]
    assert not first["taken_over"] and second["taken_over"]  # the agent looks on the printer before sending
    stale = desk.post(f"{EV}/printer-jobs/{first['id']}/report", {"lease": first["lease"], "state": "sent"})
    assert stale.status_code == 409  # the old lease moves nothing


def test_only_ready_printers_get_jobs(boss, desk, issue):
    boss.post(f"{EV}/printers", ZEBRA)
    desk.post(f"{EV}/print-jobs", {"ticket_ids": [issue()[0]["id"]], "desk": "Desk 1", "page": "label-4x3"})
    assert next_job(desk, printers=[]) is None
    assert next_job(desk, printers=["Zebra 1"]) is not None


def test_a_stopped_printer_raises_an_alert_until_it_is_back(boss, desk):
    boss.post(f"{EV}/printers", ZEBRA)
    state = f"{EV}/print-agent/printer-state"
    r = desk.post(state, {"printer": "Zebra 1", "state": "stopped", "detail": "paused"})
    assert r.status_code == 200 and r.json["state"] == "stopped", r.json
    [alert] = boss.get(f"{EV}/alerts").json["alerts"]
    assert alert["kind"] == "printer_down" and "Zebra 1" in alert["message"] and "paused" in alert["message"]
    desk.post(state, {"printer": "Zebra 1", "state": "ready"})
    desk.post(state, {"printer": "Zebra 1", "state": "offline", "detail": "no answer"})
    assert len(boss.get(f"{EV}/alerts").json["alerts"]) == 2  # re-armed when it came back, raised again
    assert desk.post(state, {"printer": "Nope", "state": "ready"}).status_code == 404
    assert desk.post(state, {"printer": "Zebra 1", "state": "asleep"}).status_code in (400, 422)


def test_agents_asking_at_once_never_share_a_job(app, boss, token, issue):
    boss.post(f"{EV}/printers", ZEBRA)
    bearer = token("badge_desk", "ev")
    tickets = issue(n=5)
    for t in tickets:
        r = Api(app.test_client(), bearer).post(f"{EV}/print-jobs", {"ticket_ids": [t["id"]], "desk": "Desk 1",
                                                                      "page": "label-4x3"})
        assert r.status_code == 201, r.json

    def work(i):
        got = []
        api = Api(app.test_client(), bearer)
        while (job := next_job(api)) is not None:
            got.append(job["id"])
        return got

    taken = run_together(8, work)
    flat = [j for got in taken for j in got]
    assert len(flat) == 5 and len(set(flat)) == 5


def test_gate_printer_adds_lists_and_removes_printers(runner, ev):
    add = ["printer", "add", "--event", "ev", "--name", "Brother", "--desk", "Desk 2", "--connection",
           "tcp://127.0.0.1:9100", "--language", "brother_ql", "--media", "label-4x3", "--option", "label=62"]
    made = runner.invoke(args=add)
    assert made.exit_code == 0, made.output
    assert "Printer Brother at desk Desk 2" in made.output
    again = runner.invoke(args=add)
    assert again.exit_code != 0 and "already taken" in again.output
    wrong = runner.invoke(args=add[:8] + ["cups:no spaces allowed"] + add[9:])
    assert wrong.exit_code != 0 and "connection" in wrong.output
    listed = runner.invoke(args=["printer", "list", "--event", "ev"])
    assert listed.output.startswith("Brother\tDesk 2\ttcp://127.0.0.1:9100\tbrother_ql\tlabel-4x3\t300\tunknown")
    assert runner.invoke(args=["printer", "remove", "--event", "ev", "--name", "Brother"]).exit_code == 0
    assert runner.invoke(args=["printer", "list", "--event", "ev"]).output == ""


def test_a_printer_whose_agent_went_silent_raises_an_alert(app, boss, desk):
    from checkin.models import Printer
    from checkin.printing.printers import watch_printers

    boss.post(f"{EV}/printers", ZEBRA)
    desk.post(f"{EV}/print-agent/printer-state", {"printer": "Zebra 1", "state": "ready"})
    assert boss.get(f"{EV}/alerts").json["alerts"] == []
    with app.app_context():
        db.session.execute(update(Printer).values(state_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
        watch_printers()
    [alert] = boss.get(f"{EV}/alerts").json["alerts"]
    assert alert["kind"] == "printer_down" and "silent" in alert["message"]
    assert boss.get(f"{EV}/printers").json["printers"][0]["state"] == "silent"


def test_one_printer_name_added_at_once_from_many_screens_is_added_once(app, token, ev):
    bearer = token("supervisor", "ev")
    answers = run_together(8, lambda i: Api(app.test_client(), bearer).post(f"{EV}/printers", ZEBRA))
    assert sorted(r.status_code for r in answers) == [201] + [409] * 7
