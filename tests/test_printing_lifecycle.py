"""Badge versions: changes make a printed badge stale, the queue lists it, the reprint
carries the ticket as it is now, and the QR on every badge decodes to the current code."""
import io

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from helpers import Api

EV = "/api/v1/events/ev"


@pytest.fixture
def desk(client, token, make_event):
    """A badge desk token for "ev" (General, VIP, and a Crew type that gets no badge)."""
    make_event(types=[{"code": "GA", "name": "General", "capacity": 50, "badge_type": "General"},
                      {"code": "VIP", "name": "VIP", "capacity": 10, "badge_type": "VIP"},
                      {"code": "CREW", "name": "Crew", "capacity": 10, "badge_type": "none"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA", "VIP", "CREW"]}])
    return Api(client, token("badge_desk", "ev"))


def qr_on(api: Api, job: dict) -> list[str]:
    """The QR codes a real decoder reads on the job's first badge, rasterised at 300 dpi, 1 bit."""
    png = api.get(f"{job['png']}?dpi=300")
    assert png.status_code == 200
    found = decode(Image.open(io.BytesIO(png.data)).convert("L"), symbols=[ZBarSymbol.QRCODE])
    return [symbol.data.decode("ascii") for symbol in found]


def print_job(api: Api, ids: list[int], **fields) -> dict:
    r = api.post(f"{EV}/print-jobs", {"ticket_ids": ids, **fields})
    assert r.status_code == 201, r.json
    return r.json


def test_badge_qr_decodes_to_the_current_code(desk, issue):
    ours, foreign = issue()[0], issue(barcode="PARTNER-0001-XYZ")[0]
    assert qr_on(desk, print_job(desk, [ours["id"]])) == [ours["code"]]
    assert qr_on(desk, print_job(desk, [foreign["id"]])) == ["PARTNER-0001-XYZ"]


def test_transfer_makes_the_badge_stale_and_the_reprint_carries_the_new_holder(admin, desk, issue):
    ticket = issue()[0]
    print_job(desk, [ticket["id"]])
    assert desk.get(f"{EV}/badges/stale").json["tickets"] == []
    moved = admin.post(f"{EV}/tickets/{ticket['id']}/transfer",
                       {"holder": {"name": "Zoë Новак"}, "reason": "sold to a friend"}).json

    [queued] = desk.get(f"{EV}/badges/stale").json["tickets"]
    assert (queued["id"], queued["printed_generation"], queued["generation"]) == (ticket["id"], 1, 2)
    assert queued["holder"]["name"] == "Zoë Новак"
    assert queued["change"]["action"] == "ticket.transfer" and queued["change"]["reason"] == "sold to a friend"
    badge = desk.get(f"{EV}/tickets/{ticket['id']}/badge").json["badge"]
    assert badge["stale"] and badge["needs_print"]
    scan = admin.post(f"{EV}/scans", {"code": moved["code"], "gate": "north"}).json
    assert scan["badge"] == {"needs_print": True, "prints": 1}

    job = print_job(desk, [ticket["id"]])  # a stale badge needs no reason; one is recorded
    assert job["prints"][0] | {"print_no": 2, "reprint": "R1", "generation": 2, "reason": "badge out of date"} \
        == job["prints"][0]
    assert qr_on(desk, job) == [moved["code"]] != [ticket["code"]]
    assert desk.get(f"{EV}/badges/stale").json["tickets"] == []
    assert desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket["id"]]}).status_code == 409


def test_upgrade_queues_a_reprint_of_the_new_type(admin, desk, issue):
    ticket = issue()[0]
    print_job(desk, [ticket["id"]])
    r = admin.post(f"{EV}/tickets/{ticket['id']}/upgrade", {"to_type": "VIP", "reason": "upgraded at the desk"})
    assert r.status_code == 200, r.json
    [queued] = desk.get(f"{EV}/badges/stale").json["tickets"]
    assert queued["type"] == {"code": "VIP", "name": "VIP"} and queued["badge_type"] == "VIP"
    assert queued["change"]["action"] == "ticket.upgrade"
    job = print_job(desk, [ticket["id"]])
    assert job["prints"][0]["layout"] == "vip" and job["prints"][0]["reprint"] == "R1"
    assert qr_on(desk, job) == [r.json["code"]]


def test_stale_queue_lists_latest_changes_first_and_skips_void_and_badgeless(admin, desk, issue):
    a, b, c = (t["id"] for t in issue(n=3))
    print_job(desk, [a, b, c])
    for ticket_id in (a, b, c):
        admin.post(f"{EV}/tickets/{ticket_id}/reissue", {"reason": "phone lost"})
    admin.post(f"{EV}/tickets/{c}/void", {"reason": "refund"})
    queue = desk.get(f"{EV}/badges/stale").json
    assert [t["id"] for t in queue["tickets"]] == [b, a] and queue["more"] is False
    assert {t["change"]["action"] for t in queue["tickets"]} == {"ticket.reissue"}


def test_tickets_that_may_not_be_used_get_no_badge(admin, desk, issue):
    void_id = issue()[0]["id"]
    admin.post(f"{EV}/tickets/{void_id}/void", {"reason": "refund"})
    pending_id = issue(state="pending")[0]["id"]
    crew_id = issue(type="CREW")[0]["id"]
    for ticket_id, word in ((void_id, "void"), (pending_id, "not paid"), (crew_id, "no badge")):
        r = desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket_id]})
        assert r.status_code == 409 and word in r.json["detail"], r.json
        assert "ticket_ids.0" in r.json["errors"]
    assert desk.get(f"{EV}/tickets/{crew_id}/badge").json["badge"]["needs_print"] is False
    assert desk.get(f"{EV}/tickets/{crew_id}/badge.png").status_code == 409
    assert print_job(desk, [crew_id], layout="staff")["prints"][0]["layout"] == "staff"
    assert desk.get(f"{EV}/tickets/{void_id}/badge").json["prints"] == []
