"""A walk-in leaves with something: the ticket's QR as an image, and a printable ticket PDF."""
import xml.etree.ElementTree as ET

import numpy as np
import pypdfium2 as pdfium

import scanner
from helpers import Api

EV = "/api/v1/events/ev"


def decode_pdf(pdf: bytes) -> tuple[list[str], str]:
    """(the QR texts on the first page, the page's text)."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=2).to_pil().convert("L")
        return scanner.decode(np.asarray(image)), page.get_textpage().get_text_range()
    finally:
        document.close()


def test_a_sold_ticket_gives_a_qr_and_a_printable_ticket(client, token, make_event):
    make_event()
    box = Api(client, token("box_office", "ev"))
    sold = box.post(f"{EV}/sales", {"type": "GA", "holders": [{"name": "Zoë Ruiz"}], "payment": {"method": "cash"}})
    assert sold.status_code == 201, sold.json
    [ticket] = sold.json["tickets"]

    svg = box.get(f"{EV}/tickets/{ticket['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Cache-Control"] == "no-store"
    assert ET.fromstring(svg.data).tag.endswith("svg")

    pdf = box.get(f"{EV}/tickets/{ticket['id']}/ticket.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    codes, text = decode_pdf(pdf.data)
    assert codes == [ticket["code"]]
    assert "Zoë Ruiz" in text and "GENERAL" in text and "Ticket #" in text and "Event ev" in text


def test_no_takeaway_for_unpaid_or_unknown_tickets_or_for_a_gate(client, token, make_event):
    make_event()
    box = Api(client, token("box_office", "ev"))
    held = box.post(f"{EV}/sales", {"type": "GA", "holders": [{"name": "Bo"}], "payment": {"method": "upi"}})
    assert held.status_code == 202
    admin = Api(client, token("admin"))
    pending = admin.post(f"{EV}/tickets", {"tickets": [{"type": "GA", "holder": {"name": "Al"},
                                                       "state": "pending"}]}).json["tickets"][0]
    for file in ("qr.svg", "ticket.pdf"):
        refused = box.get(f"{EV}/tickets/{pending['id']}/{file}")
        assert refused.status_code == 409 and "payment is pending" in refused.json["detail"]
        assert box.get(f"{EV}/tickets/999999/{file}").status_code == 404
        assert Api(client, token("gate", "ev")).get(f"{EV}/tickets/{pending['id']}/{file}").status_code == 403
