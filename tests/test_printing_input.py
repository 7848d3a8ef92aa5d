"""Bad input to the badge endpoints: a 4xx problem naming the field, and nothing written."""
import pytest

from helpers import Api

EV = "/api/v1/events/ev"
TICKET = 1  # the first ticket issued in a fresh event


@pytest.fixture
def desk(client, token, make_event, issue):
    make_event()
    assert issue()[0]["id"] == TICKET
    return Api(client, token("badge_desk", "ev"))


BAD_BODIES = [
    ({}, "ticket_ids"),
    ({"ticket_ids": []}, "ticket_ids"),
    ({"ticket_ids": "1"}, "ticket_ids"),
    ({"ticket_ids": ["1"]}, "ticket_ids.0"),
    ({"ticket_ids": [1.5]}, "ticket_ids.0"),
    ({"ticket_ids": [0]}, "ticket_ids.0"),
    ({"ticket_ids": [2**31]}, "ticket_ids.0"),
    ({"ticket_ids": [None]}, "ticket_ids.0"),
    ({"ticket_ids": [TICKET, TICKET]}, "ticket_ids.1"),
    ({"ticket_ids": [TICKET, 424242]}, "ticket_ids.1"),
    ({"ticket_ids": list(range(1, 1002))}, "ticket_ids"),
    ({"ticket_ids": [TICKET], "layout": "gala"}, "layout"),
    ({"ticket_ids": [TICKET], "layout": ["vip"]}, "layout"),
    ({"ticket_ids": [TICKET], "page": "a3"}, "page"),
    ({"ticket_ids": [TICKET], "page": "a4-9", "start_at": 9}, "start_at"),
    ({"ticket_ids": [TICKET], "start_at": 1}, "start_at"),
    ({"ticket_ids": [TICKET], "start_at": -1}, "start_at"),
    ({"ticket_ids": [TICKET], "start_at": "2"}, "start_at"),
    ({"ticket_ids": [TICKET], "reason": ""}, "reason"),
    ({"ticket_ids": [TICKET], "reason": "x" * 501}, "reason"),
    ({"ticket_ids": [TICKET], "reason": "lost\x00"}, "reason"),
    ({"ticket_ids": [TICKET], "desk": "desk\n1"}, "desk"),
    ({"ticket_ids": [TICKET], "desk": "d" * 65}, "desk"),
    ({"ticket_ids": [TICKET], "copies": 2}, "copies"),
]


def test_bad_print_jobs_name_the_field_and_write_nothing(desk):
    for body, field in BAD_BODIES:
        r = desk.post(f"{EV}/print-jobs", body)
        assert r.status_code == 422, (body, r.json)
        assert r.mimetype == "application/problem+json" and field in r.json["errors"], (body, r.json)
    assert desk.get(f"{EV}/print-jobs/1").status_code == 404
    assert desk.get(f"{EV}/tickets/{TICKET}/badge").json["badge"]["prints"] == 0


def test_bodies_that_are_not_a_print_job(desk):
    for raw, content_type in [(b"{not json", "application/json"), (b"[1, 2]", "application/json"),
                              (b'{"ticket_ids": [1], "reason": "\\ud800"}', "application/json"),
                              (b"ticket_ids=1", "application/x-www-form-urlencoded")]:
        r = desk.client.post(f"{EV}/print-jobs", data=raw, headers={**desk.headers, "Content-Type": content_type})
        assert 400 <= r.status_code < 500 and r.mimetype == "application/problem+json", (raw, r.data)
    assert desk.get(f"{EV}/print-jobs/1").status_code == 404


def test_bad_queries_name_the_parameter(desk):
    desk.post(f"{EV}/print-jobs", {"ticket_ids": [TICKET]})
    for path, field in [(f"/tickets/{TICKET}/badge.png?dpi=5", "dpi"),
                        (f"/tickets/{TICKET}/badge.png?dpi=lots", "dpi"),
                        (f"/tickets/{TICKET}/badge.pdf?layout=gala", "layout"),
                        (f"/tickets/{TICKET}/badge.pdf?page=a0", "page"),
                        ("/print-jobs/1.png?index=-1", "index"),
                        ("/print-jobs/1.png?dpi=2000", "dpi")]:
        r = desk.get(EV + path)
        assert r.status_code == 422 and field in r.json["errors"], (path, r.json)


def test_unknown_tickets_and_jobs_are_404(desk):
    for path in ["/tickets/99/badge", "/tickets/99/badge.pdf", "/tickets/99/badge.png", "/print-jobs/99",
                 "/print-jobs/99.pdf", "/print-jobs/99.png", "/tickets/99999999999/badge.pdf"]:
        r = desk.get(EV + path)
        assert r.status_code == 404 and r.mimetype == "application/problem+json", path


def test_unknown_event_is_404(desk):
    r = desk.post("/api/v1/events/nope/print-jobs", {"ticket_ids": [TICKET]})
    assert r.status_code in {403, 404}
    assert desk.get("/api/v1/events/nope/badges/stale").status_code in {403, 404}


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: 1014\r\n\r\n",  # gone half way
    b"HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: 12\r\n\r\n\x02\x00\x00\x00\x00\x00\x00\x01"
    b"\x01\x47\x00\xff",  # a group that claims more than the answer holds
    b"NOT HTTP AT ALL\r\n\r\n",
])
def test_a_printer_that_answers_broken_is_offline_not_a_crash(answer):
    """A printer switched off while it answers, or something else on its port: the agent's status check
    says why, and its thread (which asks every few seconds) goes on."""
    import socket
    import threading

    from checkin.printing.ipp import IppError, IppPrinter

    listener = socket.create_server(("127.0.0.1", 0))

    def serve_once():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(answer)
        conn.close()

    threading.Thread(target=serve_once, daemon=True).start()
    with pytest.raises(IppError, match="printer"):
        IppPrinter(f"ipp://127.0.0.1:{listener.getsockname()[1]}/printers/x", timeout=5).status()
    listener.close()
