"""Printers and print agents: set up an event's printers; a desk's agent takes jobs and reports them."""
from apiflask import Schema
from apiflask.fields import Dict, Float, Integer, List, String
from apiflask.validators import Length, OneOf, Range, Regexp

import badges

from ..api import allowed, bp, load_event
from ..models import PRINTER_LANGUAGES
from ..schemas import printable
from . import printers, queue

AGENT_STATES = ("ready", "busy", "stopped", "offline")
REPORTED = ("sending", "sent", "printed", "failed", "queued")


def _name(**kw) -> String:
    return String(validate=[Length(1, 64), printable, Regexp(r"^[^/\s]([^/]*[^/\s])?$",
                                                              error="no '/' and no spaces at either end")], **kw)


class PrinterIn(Schema):
    name = _name(required=True)
    desk = _name(required=True, metadata={"description": "the desk it hangs off (its agent prints to it)"})
    connection = String(required=True, validate=[Length(1, 300), printable], metadata={
        "description": "cups:QUEUE, ipp://HOST[:PORT]/PATH, ipps://…, or tcp://HOST:PORT (raw, 9100)"})
    language = String(required=True, validate=OneOf(PRINTER_LANGUAGES), metadata={"enum": list(PRINTER_LANGUAGES)})
    media = String(required=True, validate=OneOf(list(badges.PAGES)), metadata={
        "enum": list(badges.PAGES), "description": "the page profile loaded (its paper size is checked)"})
    dpi = Integer(strict=True, load_default=300, validate=Range(72, 1200))
    options = Dict(keys=String(validate=Length(1, 32)), values=String(validate=Length(1, 32)),
                   load_default=dict, metadata={"description": "brother_ql: {model, label}"})


class PrinterStateIn(Schema):
    printer = _name(required=True)
    state = String(required=True, validate=OneOf(AGENT_STATES))
    detail = String(validate=[Length(0, 300), printable], allow_none=True)


class NextIn(Schema):
    desk = String(required=True, validate=[Length(1, 64), printable])
    wait = Float(load_default=20.0, validate=Range(0, 30))
    printers = List(_name(), validate=Length(max=50), allow_none=True, metadata={
        "description": "printers ready now (None: all of the desk's)"})


class ReportIn(Schema):
    lease = String(required=True, validate=Length(36, 36))
    state = String(required=True, validate=OneOf(REPORTED))
    detail = String(validate=[Length(0, 500), printable], allow_none=True)
    printer_ref = String(validate=[Length(1, 300), printable], allow_none=True)


@bp.get("/events/<slug>/printers")
@bp.auth_required(**allowed("badges.print"))
def list_printers(slug):
    """The event's printers, each with its desk and the state its agent last reported."""
    return {"printers": printers.list_printers(load_event(slug))}


@bp.post("/events/<slug>/printers")
@bp.auth_required(**allowed("printers.manage"))
@bp.input(PrinterIn)
def add_printer(slug, json_data):
    """Attach a printer to a desk: its connection, language, media (page profile) and dpi."""
    return printers.add_printer(load_event(slug), json_data), 201


@bp.delete("/events/<slug>/printers/<name>")
@bp.auth_required(**allowed("printers.manage"))
def remove_printer(slug, name):
    """Remove a printer with no jobs on their way to it."""
    printers.remove_printer(load_event(slug), name)
    return "", 204


@bp.post("/events/<slug>/print-agent/printer-state")
@bp.auth_required(**allowed("printers.agent"))
@bp.input(PrinterStateIn)
def printer_state(slug, json_data):
    """The desk's agent reports a printer's state (stopped or offline raises an alert)."""
    return printers.report_state(load_event(slug), json_data["printer"], json_data["state"], json_data.get("detail"))


@bp.post("/events/<slug>/print-agent/next")
@bp.auth_required(**allowed("printers.agent"))
@bp.input(NextIn)
def next_printer_job(slug, json_data):
    """Long poll: the desk's next job with a lease (`job` null after `wait` seconds with none)."""
    job = queue.next_job(load_event(slug), json_data["desk"], json_data.get("printers"), json_data["wait"])
    return {"job": job}


@bp.post("/events/<slug>/printer-jobs/<int(max=2147483647):job_id>/report")
@bp.auth_required(**allowed("printers.agent"))
@bp.input(ReportIn)
def report_printer_job(slug, job_id, json_data):
    """The agent holding the lease moves the job on: sent, printed, failed (with why), or back to queued."""
    return queue.report(load_event(slug), job_id, json_data["lease"], json_data["state"], json_data.get("detail"),
                        json_data.get("printer_ref"))
