"""`gate print-agent`: runs beside a desk's printers, takes the desk's jobs from the server, prints them.

It speaks to the server over plain HTTP calls it starts itself (a long poll
for the next job), so it works from behind NAT. Each turn it reads the
printers' states (IPP for CUPS queues and IPP printers, a TCP connect for
raw ones) and reports them, asks for a job for a printer that is ready,
sends it, and follows the jobs it sent until they print or fail.

Never twice: a job is sent under the name `gate-KEY`. A job claimed again
after its agent died (the lease ran out) is first looked for on the printer
by that name; found, it is followed instead of sent again. A raw TCP
printer cannot be asked, so such a job is failed for a person to check
rather than printed twice.
"""
import getpass
import logging
import os
import socket
import time
from dataclasses import dataclass, field

import requests

from . import outputs
from .ipp import IppError, IppPrinter

log = logging.getLogger(__name__)
REPORT_EVERY = 10.0  # seconds between reports that keep a lease and a printer's state fresh
FOLLOW_EVERY = 0.5  # seconds between looks at the jobs sent
DONE = {"completed": "printed", "canceled": "failed", "aborted": "failed"}


class NotTaken(Exception):
    """The printer did not take the job (or cannot be asked whether it did, for IPP: the next try looks)."""


@dataclass
class Sent:
    """A job the printer took, followed until it prints or fails."""

    job: dict
    ref: int
    reported: float = field(default_factory=time.monotonic)
    detail: str = ""


class PrintAgent:
    """One desk's agent: `run()` until `stop()`; `turn()` does one round (for tests and --once)."""

    def __init__(self, server: str, token: str, event: str, desk: str, cups_server: str = "localhost:631",
                 wait: float = 20.0):
        self.base = f"{server.rstrip('/')}/api/v1/events/{event}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.desk, self.cups_server, self.wait = desk, cups_server, wait
        self.user = getpass.getuser()
        self.sent: dict[int, Sent] = {}
        self.states: dict[str, tuple[str, str, float]] = {}  # printer -> (state, detail, reported at)
        self.formats: dict[str, tuple[str, ...]] = {}  # printer -> the document formats it takes (IPP)
        self.stopping = False

    # The server

    def _post(self, path: str, body: dict, timeout: float = 15.0) -> dict:
        response = self.http.post(f"{self.base}{path}", json=body, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def report(self, job: dict, state: str, detail: str | None = None, ref: int | None = None) -> dict:
        body = {"lease": job["lease"], "state": state, "detail": detail}
        if ref is not None:
            body["printer_ref"] = str(ref)
        return self._post(f"/printer-jobs/{job['id']}/report", body)

    # The printers

    def ipp(self, connection: str) -> IppPrinter:
        link = outputs.parse_connection(connection)
        uri = f"ipp://{self.cups_server}/printers/{link.target}" if link.kind == "cups" else link.target
        return IppPrinter(uri, user=self.user)

    def look_at(self, printer: dict) -> tuple[str, str]:
        """What a printer says now: ready, busy, stopped or offline, and why."""
        link = outputs.parse_connection(printer["connection"])
        if link.kind == "tcp":
            try:
                socket.create_connection((link.host, link.port), timeout=2).close()
                return "ready", ""
            except OSError as err:
                return "offline", f"no answer on {link.target}: {err.strerror or err}"
        try:
            status = self.ipp(printer["connection"]).status()
        except IppError as err:
            return "offline", str(err)
        self.formats[printer["name"]] = status["formats"]
        why = _why(status["reasons"], status["message"])
        if status["state"] == "stopped" or not status["accepting"]:
            return "stopped", why or "stopped"
        return ("busy" if status["state"] == "processing" else "ready"), why

    def ready_printers(self) -> list[str]:
        """Look at the desk's printers, report what changed (or is due), and name those that can print."""
        listed = self.http.get(f"{self.base}/printers", timeout=15)
        listed.raise_for_status()
        ready = []
        for printer in listed.json()["printers"]:
            if printer["desk"] != self.desk:
                continue
            state, detail = self.look_at(printer)
            before = self.states.get(printer["name"])
            if before is None or before[:2] != (state, detail) or time.monotonic() - before[2] > REPORT_EVERY:
                self._post("/print-agent/printer-state", {"printer": printer["name"], "state": state,
                                                          "detail": detail[:300] or None})
                self.states[printer["name"]] = (state, detail, time.monotonic())
            if state in ("ready", "busy"):
                ready.append(printer["name"])
        return ready

    # Jobs

    def turn(self) -> None:
        """One round: printers' states, the jobs followed, then one job taken (waiting for one if idle)."""
        ready = self.ready_printers()
        self.follow()
        wait = FOLLOW_EVERY if self.sent else self.wait
        if not ready:
            time.sleep(min(wait, 2.0))
            return
        job = self._post("/print-agent/next", {"desk": self.desk, "printers": ready, "wait": wait},
                         timeout=wait + 15)["job"]
        if job is not None:
            self.handle(job)

    def handle(self, job: dict) -> None:
        """Print a claimed job once: found on the printer already, it is followed, not sent again."""
        printer = job["printer"]
        name = f"gate-{job['key']}"
        link = outputs.parse_connection(printer["connection"])
        if job["state"] == "sent":  # taken over from an agent that stopped after sending
            self.sent[job["id"]] = Sent(job, int(job["printer_ref"]))
            return
        if job["taken_over"] and link.kind == "tcp":  # a raw port cannot be asked what it printed
            self.report(job, "failed", "the agent stopped while sending to a raw printer: check whether the "
                                       "badge came out, and reprint it if not")
            return
        if job["attempts"] > 1 and link.kind != "tcp":  # tried before: it may be at the printer already
            found = self.ipp(printer["connection"]).find_job(name)
            if found is not None:
                self.report(job, "sent", None, found)
                self.sent[job["id"]] = Sent(job, found)
                return
        pdf = self.http.get(f"{self.base.split('/api/v1/')[0]}{job['pdf']}", timeout=60)  # fails: lease runs out
        pdf.raise_for_status()
        try:
            data, mime = outputs.render_for(printer["language"], pdf.content, printer["dpi"], printer["options"],
                                            self.formats.get(printer["name"], ()))
        except ValueError as err:
            self.report(job, "failed", f"not printed: {err}"[:500])
            return
        try:
            ref = self.send(printer["connection"], data, mime, name)
        except NotTaken as err:  # nothing reached the printer: back in the queue for the next turn
            self.report(job, "queued", f"the printer did not take it: {err}"[:500])
            return
        except (IppError, OSError) as err:
            self.report(job, "failed", f"not printed: {err}"[:500])
            return
        if os.environ.get("GATE_PRINT_AGENT_CRASH_AFTER_SEND"):  # the restart drill: die before saying so
            os._exit(70)
        if ref is None:  # a raw port says nothing more: all its bytes taken is as far as anyone can know
            self.report(job, "sent", f"sent to {link.target}")
            self.report(job, "printed", f"sent to {link.target}")
            return
        self.report(job, "sent", None, ref)
        self.sent[job["id"]] = Sent(job, ref)

    def send(self, connection: str, data: bytes, mime: str, name: str) -> int | None:
        """Hand the bytes to the printer; its job id (None for a raw TCP port)."""
        link = outputs.parse_connection(connection)
        if link.kind == "tcp":
            try:
                raw = socket.create_connection((link.host, link.port), timeout=10)
            except OSError as err:
                raise NotTaken(f"no answer on {link.target}: {err}") from None
            with raw:
                raw.sendall(data)
            return None
        try:
            return self.ipp(connection).print_job(data, name, mime)
        except IppError as err:  # even if it did reach the printer, the next try finds it there by name
            raise NotTaken(str(err)) from None

    def follow(self) -> None:
        """Look at the jobs sent: report printed or failed with the printer's reason; keep the leases."""
        for job_id, sent in list(self.sent.items()):
            job = sent.job
            try:
                state = self.ipp(job["printer"]["connection"]).job(sent.ref)
            except IppError as err:
                state = {"state": "unknown", "reasons": [], "message": str(err)}
            why = _why(state["reasons"], state["message"])
            try:
                if state["state"] in DONE:  # a printed job needs no reason shown
                    self.report(job, DONE[state["state"]], (why[:500] or None) if state["state"] != "completed"
                                else None)
                    del self.sent[job_id]
                elif why != sent.detail or time.monotonic() - sent.reported > self.renew_every(job):
                    self.report(job, "sent", why[:500] or None)  # the desk sees why it waits (paused, no media)
                    sent.reported, sent.detail = time.monotonic(), why
            except requests.HTTPError as err:
                if err.response is not None and err.response.status_code == 409:  # the lease went elsewhere
                    del self.sent[job_id]
                else:
                    raise

    @staticmethod
    def renew_every(job: dict) -> float:
        """Report often enough that the lease never runs out while the job is followed."""
        return min(REPORT_EVERY, job.get("lease_seconds", 30) / 3)

    def run(self) -> None:
        """Turn until stopped; a server or network that fails is tried again after a short pause."""
        while not self.stopping:
            try:
                self.turn()
            except (requests.RequestException, IppError, OSError) as err:
                log.warning("print agent: %s; trying again", err)
                time.sleep(2)

    def stop(self) -> None:
        self.stopping = True


QUIET = {"none", "job-printing", "processing-to-stop-point", "job-completed-successfully"}  # nothing to act on


def _why(reasons: list[str], message: str) -> str:
    """The printer's reasons worth showing, and its message unless it only repeats one of them."""
    shown = [r for r in reasons if r not in QUIET]
    if message and message.lower() not in {r.lower() for r in shown}:
        shown.append(message)
    return ", ".join(shown)
