"""Print jobs: one or many badges, the print log, reprints with a reason, PNG for label printers."""
import io
import time

import pypdfium2 as pdfium
import pytest
from PIL import Image

from checkin.printing import jobs
from helpers import Api

JOBS = "/api/v1/events/ev/print-jobs"


@pytest.fixture
def desk(client, token, make_event):
    """A badge desk token for the event "ev", made with General (GA) and VIP types."""
    make_event()
    return Api(client, token("badge_desk", "ev"))


def pdf_pages(pdf: bytes) -> list[str]:
    """The extractable text of each page."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [str(page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()


def badge_of(api: Api, ticket_id: int) -> dict:
    r = api.get(f"/api/v1/events/ev/tickets/{ticket_id}/badge")
    assert r.status_code == 200, r.json
    return r.json


def test_first_print_logs_who_desk_when_and_version_and_admits_nobody(admin, desk, issue):
    ticket = issue()[0]
    r = desk.post(JOBS, {"ticket_ids": [ticket["id"]], "desk": "Desk 2"})
    assert r.status_code == 201, r.json
    job = r.json
    assert (job["badges"], job["pages"], job["desk"], job["layout"]) == (1, 1, "Desk 2", None)
    assert job["actor"].endswith(":badge_desk")
    [printed] = job["prints"]
    assert (printed["ticket_id"], printed["print_no"], printed["reprint"], printed["generation"]) == \
        (ticket["id"], 1, "", 1)
    assert (printed["layout"], printed["desk"], printed["reason"]) == ("general", "Desk 2", None)

    pdf = desk.get(job["pdf"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    [text] = pdf_pages(pdf.data)
    assert "Guest 1" in text and "GENERAL" in text and "R1" not in text

    state = badge_of(desk, ticket["id"])
    assert state["badge"] | {"prints": 1, "needs_print": False, "stale": False, "printed_generation": 1} == \
        state["badge"]
    assert [p["job_id"] for p in state["prints"]] == [job["id"]]
    assert admin.get(f"/api/v1/events/ev/tickets/{ticket['id']}").json["badge_prints"] == state["prints"]
    entries = admin.get("/api/v1/events/ev/ledger").json["entries"]
    assert [e["action"] for e in entries if e["ticket_id"] == ticket["id"]] == ["ticket.issue", "badge.print"]
    counts = admin.get("/api/v1/events/ev/counts").json
    assert counts["checked_in"] == 0 and all(g["entries"] == 0 for g in counts["gates"].values())


def test_printing_again_needs_a_reason_and_shows_the_reprint_counter(desk, issue):
    ticket_id = issue()[0]["id"]
    assert desk.post(JOBS, {"ticket_ids": [ticket_id]}).status_code == 201
    refused = desk.post(JOBS, {"ticket_ids": [ticket_id]})
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert "reason" in refused.json["errors"] and refused.json["prints"] == 1
    assert badge_of(desk, ticket_id)["badge"]["prints"] == 1  # nothing written

    for n, mark in ((2, "R1"), (3, "R2")):
        r = desk.post(JOBS, {"ticket_ids": [ticket_id], "reason": "lost badge"})
        assert r.status_code == 201, r.json
        assert (r.json["prints"][0]["print_no"], r.json["prints"][0]["reprint"]) == (n, mark)
        assert mark in pdf_pages(desk.get(r.json["pdf"]).data)[0]
    log = badge_of(desk, ticket_id)["prints"]
    assert [(p["print_no"], p["reason"]) for p in log] == [(1, None), (2, "lost badge"), (3, "lost badge")]


def test_one_job_prints_many_tickets_on_sheets_starting_part_way(desk, issue):
    ids = [t["id"] for t in issue(n=3)] + [issue(type="VIP")[0]["id"]]
    r = desk.post(JOBS, {"ticket_ids": ids, "page": "a4-9", "start_at": 7})
    assert r.status_code == 201, r.json
    assert (r.json["badges"], r.json["pages"]) == (4, 2)  # slots 7 and 8, then two on a new sheet
    assert [p["layout"] for p in r.json["prints"]] == ["general"] * 3 + ["vip"]
    pages = pdf_pages(desk.get(r.json["pdf"]).data)
    assert len(pages) == 2 and "VIP" in pages[1]
    again = desk.get(r.json["png"] + "?index=1&dpi=150")
    assert again.status_code == 200 and Image.open(io.BytesIO(again.data)).size == (1240, 1754)
    past = desk.get(r.json["png"] + "?index=2")
    assert past.status_code == 422 and "index" in past.json["errors"]


@pytest.mark.parametrize("dpi", [203, 300])
def test_job_png_is_one_bit_at_label_printer_resolution(desk, issue, dpi):
    job = desk.post(JOBS, {"ticket_ids": [issue()[0]["id"]]}).json
    r = desk.get(f"{job['png']}?dpi={dpi}")
    assert r.status_code == 200 and r.mimetype == "image/png"
    image = Image.open(io.BytesIO(r.data))
    width_mm = 76.2  # the built-in layouts are 3 x 4 in
    assert image.mode == "1" and round(image.info["dpi"][0]) == dpi
    assert abs(image.size[0] - width_mm / 25.4 * dpi) <= 1


def test_chosen_layout_and_job_lookup(desk, issue):
    ticket_id = issue()[0]["id"]
    job = desk.post(JOBS, {"ticket_ids": [ticket_id], "layout": "staff", "page": "cr80"}).json
    assert (job["layout"], job["page"], job["prints"][0]["layout"]) == ("staff", "cr80", "staff")
    assert desk.get(f"{JOBS}/{job['id']}").json == job
    assert desk.get(f"{JOBS}/{job['id'] + 1}").status_code == 404
    layouts = desk.get("/api/v1/badges/layouts").json
    assert {"general", "vip", "staff", "onsite"} <= {entry["name"] for entry in layouts["layouts"]}
    assert layouts["types"]["none"] is None and "a4-9" in {p["name"] for p in layouts["pages"]}


def test_preview_shows_the_next_print_and_logs_nothing(desk, issue):
    ticket_id = issue()[0]["id"]
    preview = desk.get(f"/api/v1/events/ev/tickets/{ticket_id}/badge.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    png = desk.get(f"/api/v1/events/ev/tickets/{ticket_id}/badge.png?dpi=96")
    assert png.status_code == 200 and Image.open(io.BytesIO(png.data)).mode == "1"
    assert badge_of(desk, ticket_id)["badge"]["prints"] == 0
    desk.post(JOBS, {"ticket_ids": [ticket_id]})
    assert "R1" in pdf_pages(desk.get(f"/api/v1/events/ev/tickets/{ticket_id}/badge.pdf").data)[0]
    assert badge_of(desk, ticket_id)["badge"]["next_reprint"] == "R1"


def test_who_may_print_and_choose_layouts(client, token, make_event, issue):
    make_event()
    ticket_id = issue()[0]["id"]
    body = {"ticket_ids": [ticket_id]}
    for role in ("gate", "viewer"):
        assert Api(client, token(role)).post(JOBS, body).status_code == 403
    box = Api(client, token("box_office"))
    refused = box.post(JOBS, {**body, "layout": "vip"})
    assert refused.status_code == 403 and "layout" in refused.json["errors"]
    assert box.get(f"/api/v1/events/ev/tickets/{ticket_id}/badge.pdf?layout=vip").status_code == 403
    assert box.post(JOBS, body).status_code == 201
    assert Api(client, token("supervisor")).post(JOBS, {**body, "layout": "vip", "reason": "test"}).status_code == 201
    make_event("other")
    elsewhere = Api(client, token("badge_desk", "other"))
    assert elsewhere.post(JOBS, body).status_code == 403
    assert elsewhere.get("/api/v1/events/ev/badges/stale").status_code == 403


def test_badge_calls_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ["/api/v1/events/{slug}/print-jobs", "/api/v1/events/{slug}/print-jobs/{job_id}.pdf",
                 "/api/v1/events/{slug}/tickets/{ticket_id}/badge.pdf", "/api/v1/events/{slug}/badges/stale"]:
        assert path in paths, path
    body = paths["/api/v1/events/{slug}/print-jobs"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/PrintJobIn")


def test_fonts_warm_up_once_per_process():
    jobs.warm_up()
    assert jobs.is_warm()
    started = time.perf_counter()
    jobs.warm_up()  # already done: returns at once
    assert time.perf_counter() - started < 0.01


def test_a_badge_the_fonts_cannot_draw_is_refused_to_the_desk_and_nothing_is_logged(desk, issue, monkeypatch,
                                                                                    admin):
    from badges import fonts

    ticket = issue(holder={"name": "Noah \U0001d50a\U0001d51e", "company": "Acme"})[0]  # Fraktur: no font has it
    monkeypatch.setattr(fonts, "DEFAULT_FONT_DIRS", ("/usr/share/fonts/truetype/noto",))
    r = desk.post(JOBS, {"ticket_ids": [ticket["id"]]})
    assert r.status_code == 409, r.json
    assert "U+1D50A" in r.json["detail"] and list(r.json["errors"]) == ["name"]
    assert desk.get(f"/api/v1/events/ev/tickets/{ticket['id']}/badge.pdf").status_code == 409
    assert badge_of(desk, ticket["id"])["badge"]["prints"] == 0
    entries = admin.get("/api/v1/events/ev/ledger").json["entries"]
    assert "badge.print" not in [e["action"] for e in entries]
