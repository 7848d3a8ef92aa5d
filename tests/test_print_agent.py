"""The print agent against real printer software: CUPS with a cups-pdf queue, ippeveprinter, raw label ports.

What came out of each printer is read back (rasterised PDF, or the ZPL and
Brother QL graphics decoded to an image) and its QR must be the ticket's code.
"""
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image
from printer_servers import (
    HAVE_CUPS,
    HAVE_IPPEVE,
    Avahi,
    Cups,
    IppEve,
    RawPort,
    qr_texts_of_image,
    qr_texts_of_pdf,
    qr_texts_of_pwg,
    served,
)

from checkin.printing.agent import PrintAgent
from helpers import Api

EV = "/api/v1/events/ev"
GATE = str(Path(sys.executable).with_name("gate"))
REQUIRED = bool(os.environ.get("GATE_TEST_REQUIRE_PRINTERS"))


def need(available: bool, what: str) -> None:
    if not available:
        if REQUIRED:
            raise RuntimeError(f"GATE_TEST_REQUIRE_PRINTERS is set but {what} is not installed")
        pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def cups(tmp_path_factory):
    need(HAVE_CUPS, "CUPS with cups-pdf")
    root = Path(tempfile.mkdtemp(prefix="gate-cups-"))  # not under pytest's folder: CUPS filters run as lp
    server = Cups(root)
    yield server
    server.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def avahi(tmp_path_factory):
    need(HAVE_IPPEVE, "ippeveprinter with Avahi")
    daemon = Avahi(tmp_path_factory.mktemp("avahi"))
    yield daemon
    daemon.close()


@pytest.fixture(scope="module")
def ippeve(tmp_path_factory, avahi):
    printer = IppEve(tmp_path_factory.mktemp("ippeve"), avahi.env)
    yield printer
    printer.close()


@pytest.fixture(scope="module")
def raster_only(tmp_path_factory, avahi):
    """An IPP Everywhere printer that takes PWG raster and no PDF."""
    printer = IppEve(tmp_path_factory.mktemp("ippeve-raster"), avahi.env, formats="image/pwg-raster")
    yield printer
    printer.close()


@pytest.fixture
def desk_setup(app, client, token, make_event, issue):
    """(base url, desk token, add_printer, one ticket): the event served on loopback."""
    make_event()
    app.config["PRINT_LEASE_SECONDS"] = 2
    boss = Api(client, token("supervisor", "ev"))
    desk = token("badge_desk", "ev")

    def add_printer(**printer):
        r = boss.post(f"{EV}/printers", {"name": "P1", "desk": "Desk 1", **printer})
        assert r.status_code == 201, r.json

    with served(app) as url:
        yield url, desk, add_printer, issue()[0]


def print_badge(client, desk, ticket, **body):
    r = Api(client, desk).post(f"{EV}/print-jobs", {"ticket_ids": [ticket["id"]], "desk": "Desk 1", **body})
    assert r.status_code == 201, r.json
    return r.json


def printer_job(client, desk, job_id):
    return Api(client, desk).get(f"{EV}/print-jobs/{job_id}").json["printer_job"]


def turn_until(agent, done, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        agent.turn()
        if done():
            return
    raise AssertionError("the agent did not get there in time")


def test_a_cups_pdf_queue_prints_the_badge_and_its_qr_is_the_ticket(desk_setup, client, cups, tmp_path):
    url, desk, add_printer, ticket = desk_setup
    add_printer(connection=f"cups:{cups.queue}", language="pdf", media="label-4x3")
    job = print_badge(client, desk, ticket, page="label-4x3")
    assert job["printer_job"]["state"] == "queued"
    agent = PrintAgent(url, desk, "ev", "Desk 1", cups.server, wait=1)
    turn_until(agent, lambda: printer_job(client, desk, job["id"])["state"] == "printed")
    key = printer_job(client, desk, job["id"])["key"]
    out = cups.output(f"gate-{key}")
    assert out is not None, "cups-pdf wrote nothing"
    assert qr_texts_of_pdf(out, tmp_path) == [ticket["code"]]


def test_an_ipp_everywhere_printer_prints_the_badge_once(desk_setup, client, ippeve, tmp_path):
    url, desk, add_printer, ticket = desk_setup
    add_printer(connection=ippeve.uri, language="pdf", media="cr80")
    job = print_badge(client, desk, ticket, page="cr80")
    agent = PrintAgent(url, desk, "ev", "Desk 1", wait=1)
    turn_until(agent, lambda: printer_job(client, desk, job["id"])["state"] == "printed")
    [document] = ippeve.documents(f"gate-{printer_job(client, desk, job['id'])['key']}")
    assert qr_texts_of_pdf(document, tmp_path) == [ticket["code"]]


def test_a_printer_without_pdf_gets_pwg_raster_that_cups_reads_back_to_the_ticket(desk_setup, client, raster_only,
                                                                                   tmp_path):
    url, desk, add_printer, ticket = desk_setup
    add_printer(connection=raster_only.uri, language="pdf", media="label-4x3", dpi=203)
    job = print_badge(client, desk, ticket, page="label-4x3")
    agent = PrintAgent(url, desk, "ev", "Desk 1", wait=1)
    turn_until(agent, lambda: printer_job(client, desk, job["id"])["state"] == "printed")
    [document] = raster_only.documents(f"gate-{printer_job(client, desk, job['id'])['key']}")
    assert document.read_bytes()[:4] == b"RaS2"
    assert qr_texts_of_pwg(document, tmp_path) == [ticket["code"]]


def test_an_agent_killed_after_sending_and_started_again_prints_the_job_exactly_once(desk_setup, client, ippeve):
    url, desk, add_printer, ticket = desk_setup
    add_printer(connection=ippeve.uri, language="pdf", media="cr80")
    job = print_badge(client, desk, ticket, page="cr80")
    command = [GATE, "print-agent", "--server", url, "--token", desk, "--event", "ev", "--desk", "Desk 1",
               "--wait", "1"]
    crashed = subprocess.run(command, env={**os.environ, "GATE_PRINT_AGENT_CRASH_AFTER_SEND": "1"},
                             capture_output=True, timeout=60)
    assert crashed.returncode == 70, crashed.stderr[-2000:]  # died after the printer took it, before saying so
    held = printer_job(client, desk, job["id"])
    assert held["state"] == "sending" and len(ippeve.documents(f"gate-{held['key']}")) == 1

    again = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 40
        while printer_job(client, desk, job["id"])["state"] != "printed" and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        again.terminate()
        again.wait(10)
    done = printer_job(client, desk, job["id"])
    assert done["state"] == "printed" and done["attempts"] == 2, done
    assert len(ippeve.documents(f"gate-{done['key']}")) == 1  # found on the printer, not sent again


def test_a_stopped_cups_queue_shows_on_the_desk_and_raises_an_alert_then_recovers(desk_setup, client, token,
                                                                                 cups, tmp_path):
    url, desk, add_printer, ticket = desk_setup
    add_printer(connection=f"cups:{cups.queue}", language="pdf", media="label-4x3")
    agent = PrintAgent(url, desk, "ev", "Desk 1", cups.server, wait=1)
    cups.run("cupsdisable", cups.queue)
    try:
        job = print_badge(client, desk, ticket, page="label-4x3")
        agent.turn()
        seen = Api(client, desk).post(f"{EV}/desks/queue", {"desk": "Desk 1"}).json
        [printer] = seen["printers"]
        assert printer["state"] == "stopped" and "paused" in printer["detail"], printer
        assert [j["state"] for j in seen["printer_jobs"]] == ["queued"]  # held back, not lost
        alerts = Api(client, token("supervisor", "ev")).get(f"{EV}/alerts").json["alerts"]
        assert [a["kind"] for a in alerts] == ["printer_down"]
    finally:
        cups.run("cupsenable", cups.queue)
    turn_until(agent, lambda: printer_job(client, desk, job["id"])["state"] == "printed")
    assert Api(client, desk).get(f"{EV}/printers").json["printers"][0]["state"] in ("ready", "busy")


def zpl_labels(data: bytes) -> list[Image.Image]:
    """Each ^GFA graphic of a ZPL stream as an image (1 = black in ZPL)."""
    images = []
    for total, row_bytes, hexdata in re.findall(rb"\^GFA,(\d+),\d+,(\d+),([0-9A-F]+)\^FS", data):
        raw = bytes.fromhex(hexdata.decode())
        assert len(raw) == int(total)
        width, height = int(row_bytes) * 8, len(raw) // int(row_bytes)
        images.append(Image.frombytes("1", (width, height), bytes(b ^ 0xFF for b in raw)))
    return images


def brother_labels(data: bytes, tmp: Path) -> list[Image.Image]:
    from brother_ql.reader import BrotherQLReader

    reader = BrotherQLReader(io.BufferedReader(io.BytesIO(data)))
    reader.filename_fmt = str(tmp / "label{counter:04d}.png")
    reader.analyse()
    return [Image.open(p) for p in sorted(tmp.glob("label*.png"))]


@pytest.mark.parametrize("language, options", [("zpl", {}), ("brother_ql", {"model": "QL-820NWB", "label": "62"})])
def test_a_label_printer_on_a_raw_port_gets_the_badge_as_a_graphic_whose_qr_is_the_ticket(
        desk_setup, client, tmp_path, language, options):
    url, desk, add_printer, ticket = desk_setup
    port = RawPort()
    try:
        add_printer(connection=f"tcp://127.0.0.1:{port.port}", language=language, media="label-4x3", dpi=203,
                    options=options)
        job = print_badge(client, desk, ticket, page="label-4x3")
        agent = PrintAgent(url, desk, "ev", "Desk 1", wait=1)
        turn_until(agent, lambda: printer_job(client, desk, job["id"])["state"] == "printed")
        deadline = time.monotonic() + 5
        while not port.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        port.close()
    [sent] = port.received
    labels = zpl_labels(sent) if language == "zpl" else brother_labels(sent, tmp_path)
    assert len(labels) == 1
    assert qr_texts_of_image(labels[0]) == [ticket["code"]]


def test_a_job_whose_agent_died_before_sending_is_sent_once_by_the_next(app, desk_setup, client, ippeve):
    url, desk, add_printer, ticket = desk_setup
    add_printer(connection=ippeve.uri, language="pdf", media="cr80")
    job = print_badge(client, desk, ticket, page="cr80")
    taken = Api(client, desk).post(f"{EV}/print-agent/next", {"desk": "Desk 1", "wait": 0}).json["job"]
    assert taken["state"] == "sending"  # an agent took it and died before sending: nothing reached the printer
    time.sleep(2.2)  # its lease (2 s here) runs out
    agent = PrintAgent(url, desk, "ev", "Desk 1", wait=1)
    turn_until(agent, lambda: printer_job(client, desk, job["id"])["state"] == "printed")
    done = printer_job(client, desk, job["id"])
    assert done["attempts"] == 2 and len(ippeve.documents(f"gate-{done['key']}")) == 1
