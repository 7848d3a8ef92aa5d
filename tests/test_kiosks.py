"""Self-service kiosks over the API: a guest's own ticket by its code, refusals that send to the desk with
no one else's data, a first badge only, printing that admits where the event chose, the guest's own
correction, staff's view of each kiosk, taking one over, and two kiosks printing one badge at once."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from checkin.auth import create_token
from checkin.extensions import db
from checkin.models import Kiosk, utcnow
from helpers import Api, run_together

EV = "/api/v1/events/ev"
K = f"{EV}/kiosk"
PRINTER = {"name": "Kiosk printer", "desk": "Kiosk 1", "connection": "cups:kiosk1", "language": "pdf",
           "media": "label-4x3"}


def kiosk_token(app, name="Kiosk 1", event="ev"):
    with app.app_context():
        return create_token("kiosk", event, name=name)


@pytest.fixture
def ev(app, client, token, make_event, admin):
    make_event()
    make_event("other")
    assert admin.post(f"{EV}/printers", PRINTER).status_code == 201
    return {"kiosk": Api(client, kiosk_token(app)), "desk": Api(client, token("badge_desk", "ev")),
            "supervisor": Api(client, token("supervisor", "ev")), "gate": Api(client, token("gate", "ev"))}


@pytest.fixture
def guest(admin, ev):
    r = admin.post(f"{EV}/tickets", {"tickets": [{"type": "GA", "holder": {"name": "Priya Sharma",
                                                                             "company": "Infosys"}}]})
    return r.json["tickets"][0]


def test_a_guest_checks_and_prints_a_first_badge_and_staff_see_it(ev, guest, admin):
    assert ev["kiosk"].post(f"{K}/here", {"state": "ready"}).json["admit_at"] is None
    r = ev["kiosk"].post(f"{K}/check", {"code": guest["code"]})
    assert r.status_code == 200 and r.json == {"ok": True, "ticket": {"name": "Priya Sharma", "company": "Infosys",
                                                                      "type": "General", "serial": 1}}
    png = ev["kiosk"].post(f"{K}/preview", {"code": guest["code"]})
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    printed = ev["kiosk"].post(f"{K}/print", {"code": guest["code"]})
    assert printed.status_code == 200 and printed.json["ok"] is True, printed.json
    assert printed.json["admitted"] is None and printed.json["job"]["printer_job"]["state"] == "queued"
    assert printed.json["job"]["printer_job"]["printer_name"] == "Kiosk printer"
    badge = ev["desk"].get(f"{EV}/tickets/{guest['id']}/badge").json
    assert badge["prints"][0]["desk"] == "Kiosk 1" and badge["prints"][0]["actor"].endswith(":kiosk")
    assert ev["gate"].post(f"{EV}/scans", {"code": guest["code"], "gate": "north"}).json["status"] == "ok"  # not in yet
    for call in ("check", "print"):  # a second badge needs staff
        again = ev["kiosk"].post(f"{K}/{call}", {"code": guest["code"]}).json
        assert again["ok"] is False and again["reason"] == "printed" and "desk" in again["message"]
    [kiosk] = ev["desk"].get(f"{EV}/kiosks").json["kiosks"]
    assert kiosk["name"] == "Kiosk 1" and kiosk["state"] == "ready" and kiosk["printers"][0]["name"] == "Kiosk printer"
    assert [g["name"] for g in kiosk["last_guests"]] == ["Priya Sharma"]
    jobs = ev["kiosk"].post(f"{K}/here", {"state": "printing"}).json["printer_jobs"]
    assert jobs[0]["state"] == "queued"
    assert ev["desk"].get(f"{EV}/kiosks").json["kiosks"][0]["state"] == "printing"


def _refused(answer, reason, *private):
    assert answer.status_code == 200 and answer.json["ok"] is False and answer.json["reason"] == reason, answer.json
    assert "ticket" not in answer.json and "desk" in answer.json["message"]
    for text in private:
        assert text not in json.dumps(answer.json, ensure_ascii=False)


def test_refusals_send_the_guest_to_the_desk_with_no_one_elses_data(app, ev, admin, issue):
    _refused(ev["kiosk"].post(f"{K}/check", {"code": "NOT-A-TICKET"}), "invalid")
    other = issue("other")[0]
    _refused(ev["kiosk"].post(f"{K}/check", {"code": other["code"]}), "wrong_event", other["holder"]["name"])
    moved = issue()[0]
    assert admin.post(f"{EV}/tickets/{moved['id']}/transfer", {"holder": {"name": "Nadia New", "company": "Zeta"},
                                                               "reason": "gift"}).status_code == 200
    for call in ("check", "print"):
        _refused(ev["kiosk"].post(f"{K}/{call}", {"code": moved["code"]}), "revoked", "Nadia New", "Zeta")
    assert ev["kiosk"].post(f"{K}/preview", {"code": moved["code"]}).status_code == 409
    void = issue()[0]
    admin.post(f"{EV}/tickets/{void['id']}/void", {"reason": "refund"})
    _refused(ev["kiosk"].post(f"{K}/print", {"code": void["code"]}), "void", void["holder"]["name"])
    unpaid = issue(state="pending")[0]
    _refused(ev["kiosk"].post(f"{K}/check", {"code": unpaid["code"]}), "unpaid", unpaid["holder"]["name"])
    blocked = issue()[0]
    admin.post(f"{EV}/tickets/{blocked['id']}/block", {"reason": "chargeback"})
    _refused(ev["kiosk"].post(f"{K}/check", {"code": blocked["code"]}), "blocked", blocked["holder"]["name"])
    for t in (moved, void, unpaid, blocked):  # nothing printed for any of them
        assert admin.get(f"{EV}/tickets/{t['id']}").json["badge_prints"] == []


def test_a_kiosk_the_event_lets_admit_admits_at_its_gate(ev, guest, admin):
    r = ev["supervisor"].put(f"{EV}/kiosks/Kiosk 1", {"admit_at": "north"})
    assert r.status_code == 200 and r.json["admit_at"]["code"] == "north"
    assert ev["kiosk"].post(f"{K}/here", {"state": "ready"}).json["admit_at"]["name"] == "North Gate"
    printed = ev["kiosk"].post(f"{K}/print", {"code": guest["code"]}).json
    assert printed["ok"] and printed["admitted"]["status"] == "ok" and printed["admitted"]["gate"] == "north"
    assert printed["admitted"]["gate_name"] == "North Gate"
    [scan] = admin.get(f"{EV}/tickets/{guest['id']}").json["scans"]
    assert scan["manual"] is True and scan["device"] == "kiosk:Kiosk 1" and scan["actor"].endswith(":kiosk")
    dup = ev["gate"].post(f"{EV}/scans", {"code": guest["code"], "gate": "south"}).json
    assert dup["reason"] == "duplicate"
    assert ev["desk"].put(f"{EV}/kiosks/Kiosk 1", {"admit_at": None}).status_code == 403  # the event's choice
    for bad in ({"admit_at": "nowhere"}, {"admit_at": 3}, {}):
        r = ev["supervisor"].put(f"{EV}/kiosks/Kiosk 1", bad)
        assert r.status_code == 422 and "admit_at" in r.json["errors"]
    assert ev["supervisor"].put(f"{EV}/kiosks/{'K' * 65}", {"admit_at": None}).status_code == 422
    assert ev["supervisor"].put(f"{EV}/kiosks/Kiosk 1", {"admit_at": None}).json["admit_at"] is None


def test_the_guest_corrects_a_spelling_but_not_a_different_name(ev, guest, admin):
    r = ev["kiosk"].post(f"{K}/corrections", {"code": guest["code"], "holder": {"name": "Priya Sharmaa"}})
    assert r.status_code == 200 and r.json["ticket"]["name"] == "Priya Sharmaa"
    entry = admin.get(f"{EV}/tickets/{guest['id']}").json["history"][-1]
    assert entry["action"] == "ticket.correct" and entry["reason"] == "corrected by the guest at Kiosk 1"
    r = ev["kiosk"].post(f"{K}/corrections", {"code": guest["code"], "holder": {"name": "Someone Else"}})
    assert r.status_code == 403 and "holder.name" in r.json["errors"]
    r = ev["kiosk"].post(f"{K}/corrections", {"code": guest["code"], "holder": {"name": "x"}, "approve": True})
    assert r.status_code == 422 and "approve" in r.json["errors"]  # a kiosk never approves
    assert admin.get(f"{EV}/tickets/{guest['id']}").json["holder"]["name"] == "Priya Sharmaa"
    ev["kiosk"].post(f"{K}/print", {"code": guest["code"]})
    _refused(ev["kiosk"].post(f"{K}/corrections", {"code": guest["code"], "holder": {"name": "Priya Sharma"}}),
             "printed")


def test_staff_take_a_kiosk_over_and_hand_it_back(ev, guest):
    ev["kiosk"].post(f"{K}/here", {"state": "ready"})
    r = ev["desk"].post(f"{EV}/kiosks/Kiosk 1/takeover", {"taken": True})
    assert r.status_code == 200 and r.json["state"] == "taken_over" and r.json["taken_over_by"].endswith(":badge_desk")
    assert ev["kiosk"].post(f"{K}/here", {"state": "ready"}).json["taken_over"] is True
    _refused(ev["kiosk"].post(f"{K}/print", {"code": guest["code"]}), "taken_over", "Priya")
    assert ev["desk"].post(f"{EV}/kiosks/Kiosk 1/takeover", {"taken": False}).json["state"] == "ready"
    assert ev["kiosk"].post(f"{K}/print", {"code": guest["code"]}).json["ok"] is True
    assert ev["desk"].post(f"{EV}/kiosks/Nope/takeover", {"taken": True}).status_code == 404


def test_printer_trouble_and_silence_show_in_the_kiosks_state(app, ev, guest, admin, client):
    ev["kiosk"].post(f"{K}/here", {"state": "ready"})
    state = f"{EV}/print-agent/printer-state"
    assert ev["kiosk"].post(state, {"printer": "Kiosk printer", "state": "ready"}).status_code == 403
    assert ev["desk"].post(state, {"printer": "Kiosk printer", "state": "stopped",
                                   "detail": "media-empty-error"}).status_code == 200  # its agent runs as a desk
    assert ev["desk"].get(f"{EV}/kiosks").json["kiosks"][0]["state"] == "out_of_labels"
    _refused(ev["kiosk"].post(f"{K}/check", {"code": guest["code"]}), "no_printer", "Priya")  # no waiting in vain
    ev["desk"].post(state, {"printer": "Kiosk printer", "state": "offline", "detail": "no answer"})
    assert ev["desk"].get(f"{EV}/kiosks").json["kiosks"][0]["state"] == "printer_down"
    ev["desk"].post(state, {"printer": "Kiosk printer", "state": "ready"})
    assert ev["desk"].get(f"{EV}/kiosks").json["kiosks"][0]["state"] == "ready"
    bare = Api(client, kiosk_token(app, "Kiosk 2"))  # a kiosk with no printer sends guests to the desk
    _refused(bare.post(f"{K}/check", {"code": guest["code"]}), "no_printer", "Priya")
    with app.app_context():
        db.session.execute(update(Kiosk).values(last_seen=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert {k["name"]: k["state"] for k in ev["desk"].get(f"{EV}/kiosks").json["kiosks"]} == {
        "Kiosk 1": "offline", "Kiosk 2": "offline"}


def test_bad_input_and_wrong_roles_are_refused_and_change_nothing(ev, guest, admin):
    for path, body, field in ((f"{K}/check", {}, "code"), (f"{K}/check", {"code": ""}, "code"),
                              (f"{K}/print", {"code": "x\x00"}, "code"), (f"{K}/print", {"code": 5}, "code"),
                              (f"{K}/here", {"state": "asleep"}, "state"),
                              (f"{K}/corrections", {"code": guest["code"]}, "holder"),
                              (f"{EV}/kiosks/Kiosk 1/takeover", {"taken": "yes"}, "taken")):
        api = ev["desk"] if "takeover" in path else ev["kiosk"]
        r = api.post(path, body)
        assert r.status_code == 422 and any(k.startswith(field) for k in r.json["errors"]), (path, r.json)
    assert ev["desk"].post(f"{K}/print", {"code": guest["code"]}).status_code == 403  # kiosks only
    assert ev["kiosk"].get(f"{EV}/kiosks").status_code == 403
    assert ev["kiosk"].post(f"{EV}/tickets/{guest['id']}/corrections",
                            {"holder": {"name": "Priya Sharmaa"}, "reason": "x"}).status_code == 403
    assert ev["kiosk"].post(f"{EV}/print-jobs", {"ticket_ids": [guest["id"]]}).status_code == 403
    assert ev["kiosk"].post("/api/v1/events/other/kiosk/check", {"code": guest["code"]}).status_code == 403
    assert admin.get(f"{EV}/tickets/{guest['id']}").json["badge_prints"] == []


def test_two_kiosks_printing_one_badge_at_once_print_it_once(app, ev, admin):
    admin.post(f"{EV}/printers", {**PRINTER, "name": "Kiosk 2 printer", "desk": "Kiosk 2"})
    kiosks = [Api(app.test_client(), kiosk_token(app, f"Kiosk {i + 1}")) for i in range(2)]
    tickets = admin.post(f"{EV}/tickets", {"tickets": [{"type": "GA", "holder": {"name": f"Guest {i}"}}
                                                       for i in range(3)]}).json["tickets"]
    for t in tickets:
        answers = run_together(2, lambda i: kiosks[i].post(f"{K}/print", {"code": t["code"]}).json, timeout=30)
        assert sorted(a["ok"] for a in answers) == [False, True], answers
        assert [a["reason"] for a in answers if not a["ok"]] == ["printed"]
        assert len(admin.get(f"{EV}/tickets/{t['id']}").json["badge_prints"]) == 1


def test_guessing_codes_at_a_kiosk_is_throttled_as_at_a_gate(app, ev, guest, admin):
    app.config["SCAN_INVALID_LIMIT"] = 3
    for i in range(3):
        _refused(ev["kiosk"].post(f"{K}/check", {"code": f"{100000 + i}"}), "invalid")
    r = ev["kiosk"].post(f"{K}/check", {"code": guest["code"]})  # even a good code waits out the burst
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and "Priya" not in r.get_data(as_text=True)
    [alert] = admin.get(f"{EV}/alerts").json["alerts"]
    assert alert["kind"] == "invalid_burst" and "Kiosk 1" in alert["message"]


def test_an_event_chooses_the_languages_its_kiosks_speak(ev, admin, client, token):
    assert admin.get(EV).json["languages"] == ["en"]  # every event speaks English until it says otherwise
    assert ev["kiosk"].post(f"{K}/here", {"state": "ready"}).json["languages"] == ["en"]
    for bad in (["xx"], [], ["en", "en"], "en", [1], ["de"] * 7, None):
        r = admin.patch(EV, {"languages": bad})
        assert r.status_code == 422 and any(k.startswith("languages") for k in r.json["errors"]), (bad, r.json)
    assert Api(client, token("box_office", "ev")).patch(EV, {"languages": ["de"]}).status_code == 403
    assert admin.get(EV).json["languages"] == ["en"], "a refused change changes nothing"
    r = admin.patch(EV, {"languages": ["nl", "en"]})
    assert r.status_code == 200 and r.json["languages"] == ["nl", "en"]
    assert ev["kiosk"].post(f"{K}/here", {"state": "ready"}).json["languages"] == ["nl", "en"]
    made = admin.post("/api/v1/events", {"slug": "talen", "name": "Talen", "timezone": "UTC",
                                         "starts_at": "2030-01-01T09:00:00+00:00",
                                         "ends_at": "2030-01-02T09:00:00+00:00", "languages": ["it"]})
    assert made.status_code == 201 and made.json["languages"] == ["it"]
