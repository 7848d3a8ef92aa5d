"""The box office page in real headless Chromium: a cash sale, a UPI hold that expires, an upgrade."""
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def box_page(live_app, live_token, page):
    """An event with two types and a gate, and the box office page open with a box-office token."""
    admin = {"Authorization": f"Bearer {live_token('admin')}"}
    client = live_app.test_client()
    now = datetime.now(timezone.utc)
    assert client.post("/api/v1/events", headers=admin, json={
        "slug": "ev", "name": "Riverside Jazz", "timezone": "Asia/Kolkata",
        "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(days=1)).isoformat(),
    }).status_code == 201
    for t in [{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General", "price": "25.00"},
              {"code": "VIP", "name": "VIP", "capacity": 4, "badge_type": "VIP", "price": "100.00", "low_stock_at": 2}]:
        assert client.post("/api/v1/events/ev/ticket-types", headers=admin, json=t).status_code == 201
    assert client.post("/api/v1/events/ev/gates", headers=admin, json={
        "code": "north", "name": "North Gate", "zone": "hall", "admits": ["GA", "VIP"]}).status_code == 201
    page.goto(f"{live_app.config['LIVE_URL']}/box?token={live_token('box_office', 'ev')}&event=ev")
    page.wait_for_selector('.type[data-type="GA"]')
    return {"page": page, "client": client, "admin": admin}


def left(page, code):
    return page.locator(f'.stock-list li[data-type="{code}"] .left')


def test_cash_sale_issues_tickets_and_the_count_drops(box_page, screenshot):
    page = box_page["page"]
    assert left(page, "GA").inner_text() == "10"
    page.click('.type[data-type="GA"]')
    page.fill("#names", "Ana Ruiz\nBo Chen")
    page.click("#sell")
    page.wait_for_selector(".sold li >> nth=1")
    assert "Sold 2 × General (cash, 50.00)" in page.inner_text("#sell-status")
    assert page.locator(".sold .name").all_inner_texts() == ["Ana Ruiz", "Bo Chen"]
    page.wait_for_function("() => document.querySelector('.stock-list li[data-type=\"GA\"] .left').textContent === '8'")
    screenshot("cash-sale")


def test_upi_hold_counts_down_expires_and_gives_its_seats_back(box_page, live_app, screenshot):
    live_app.config["HOLD_MINUTES"] = 0.05  # three seconds, so the test can watch it run out
    page = box_page["page"]
    page.click('.type[data-type="GA"]')
    page.fill("#quantity", "3")
    page.click('.method[data-method="upi"]')
    page.click("#sell")
    page.wait_for_selector(".hold .timer")
    assert "Held 3 × General" in page.inner_text("#sell-status")
    page.wait_for_function("() => document.querySelector('.stock-list li[data-type=\"GA\"] .left').textContent === '7'")
    assert page.inner_text("#hold-count") == "1" and ":" in page.inner_text(".hold .timer")
    screenshot("upi-hold")
    page.wait_for_selector(".hold.expired", timeout=10_000)
    assert "expired unpaid: 3 seat(s) went back" in page.inner_text("#sell-status")
    page.wait_for_function("() => document.querySelector('.stock-list li[data-type=\"GA\"] .left')"
                           ".textContent === '10'", timeout=10_000)
    screenshot("upi-expired")


def test_upgrade_moves_a_ticket_to_vip(box_page, screenshot):
    page, client, admin = box_page["page"], box_page["client"], box_page["admin"]
    r = client.post("/api/v1/events/ev/tickets", headers=admin,
                    json={"tickets": [{"type": "GA", "holder": {"name": "Chandra Iyer", "company": "Acme"}}]})
    assert r.status_code == 201
    page.fill("#find", "Chandra")
    page.click("#find-button")
    page.click(".results button")
    page.wait_for_selector("#change:not([hidden])")
    assert page.text_content("#c-type") == "General"
    page.select_option("#to-type", "VIP")
    page.click("#upgrade")
    page.wait_for_function("() => document.getElementById('c-type').textContent === 'VIP'")
    assert "difference 75.00" in page.inner_text("#change-status") and "reprint" in page.inner_text("#change-status")
    page.wait_for_function("() => document.querySelector('.stock-list li[data-type=\"VIP\"] .left')"
                           ".textContent === '3'")
    assert left(page, "GA").inner_text() == "10"
    screenshot("upgrade")


def test_a_walk_in_leaves_with_a_qr_to_photograph_and_the_gate_is_remembered(box_page, live_app, screenshot):
    import cv2
    import numpy as np

    import scanner

    page = box_page["page"]
    page.select_option("#admit", "north")
    page.click('.type[data-type="GA"]')
    page.fill("#names", "Ana Ruiz")
    page.click("#sell")
    qr = page.locator(".sold li .qr")
    page.wait_for_function("() => document.querySelector('.sold li .qr')?.naturalWidth > 0")
    box = qr.bounding_box()
    assert box["width"] >= 200  # big enough to photograph from a phone held at the counter
    shot = cv2.imdecode(np.frombuffer(qr.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
    ticket_id = page.locator(".sold li").get_attribute("data-ticket")
    code = box_page["client"].get(f"/api/v1/events/ev/tickets/{ticket_id}", headers=box_page["admin"]).json["code"]
    assert scanner.decode(shot) == [code]
    with page.expect_popup() as popup:
        page.click(".sold li .takeaway button >> text=Ticket PDF")
    assert popup.value.url.startswith("blob:")
    screenshot("walk-in-takeaway")
    page.reload()
    page.wait_for_selector('.type[data-type="GA"]')
    assert page.input_value("#admit") == "north"
