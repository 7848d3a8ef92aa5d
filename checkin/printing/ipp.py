"""A small IPP/1.1 client (RFC 8010/8011) over HTTP: what the print agent asks of CUPS and IPP printers.

Four operations: Print-Job, Get-Jobs (to find a job by name after a
restart), Get-Job-Attributes and Get-Printer-Attributes (states and the
reasons behind them). A CUPS queue is the IPP printer at
`ipp://SERVER/printers/QUEUE`, so one client serves both.

Wire format: version (2 bytes), operation or status code (2), request id
(4), attribute groups (a tag byte, then per value: value tag, name length,
name, value length, value; further values of one attribute have an empty
name), the end tag 0x03, then the document.
"""
import http.client
import ssl
import struct
from itertools import count
from urllib.parse import urlsplit

PRINT_JOB, GET_JOB_ATTRIBUTES, GET_JOBS, GET_PRINTER_ATTRIBUTES = 0x0002, 0x0009, 0x000A, 0x000B
OPERATION, JOB, PRINTER, END = 0x01, 0x02, 0x04, 0x03
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
TEXT, NAME, KEYWORD, URI, CHARSET, LANGUAGE, MIME = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49
PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "canceled", 8: "aborted", 9: "completed"}
_ids = count(1)


class IppError(Exception):
    """The printer could not be reached, or refused the request (status code and message)."""


def _attribute(tag: int, name: str, value) -> bytes:
    values = value if isinstance(value, list) else [value]
    out = b""
    for i, one in enumerate(values):
        data = struct.pack(">i", one) if tag in (INTEGER, ENUM) else str(one).encode("utf-8")
        key = name.encode() if i == 0 else b""
        out += struct.pack(">BH", tag, len(key)) + key + struct.pack(">H", len(data)) + data
    return out


def encode(operation: int, request_id: int, uri: str, attributes: list[tuple[int, str, object]] = ()) -> bytes:
    """One IPP request: the operation attributes every request carries, then `attributes`."""
    body = struct.pack(">BBHI", 1, 1, operation, request_id) + bytes([OPERATION])
    body += _attribute(CHARSET, "attributes-charset", "utf-8")
    body += _attribute(LANGUAGE, "attributes-natural-language", "en")
    body += _attribute(URI, "printer-uri", uri)
    for tag, name, value in attributes:
        body += _attribute(tag, name, value)
    return body + bytes([END])


def decode(data: bytes) -> tuple[int, list[dict]]:
    """A response's status code and its groups, each {name: value or [values]} (the operation group first)."""
    status = struct.unpack(">H", data[2:4])[0]
    groups: list[dict] = []
    pos, name = 8, None
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == END:
            break
        if tag < 0x10:  # a new group
            groups.append({})
            continue
        (size,) = struct.unpack(">H", data[pos:pos + 2])
        key = data[pos + 2:pos + 2 + size].decode("utf-8", "replace")
        pos += 2 + size
        (size,) = struct.unpack(">H", data[pos:pos + 2])
        raw = data[pos + 2:pos + 2 + size]
        pos += 2 + size
        value = struct.unpack(">i", raw)[0] if tag in (INTEGER, ENUM) and size == 4 else (
            raw[0] == 1 if tag == BOOLEAN else raw.decode("utf-8", "replace") if 0x40 <= tag <= 0x4F else raw)
        if key:
            name = key
            groups[-1][name] = value
        elif name is not None:  # one more value of the attribute before
            held = groups[-1][name]
            groups[-1][name] = (held if isinstance(held, list) else [held]) + [value]
    return status, groups


class IppPrinter:
    """One IPP printer (or CUPS queue) at `uri` (ipp:// or ipps://)."""

    def __init__(self, uri: str, timeout: float = 10.0, user: str = "gate"):
        self.uri, self.timeout, self.user = uri, timeout, user
        parts = urlsplit(uri)
        self._secure = parts.scheme == "ipps"
        self._host, self._port = parts.hostname, parts.port or 631
        self._path = parts.path or "/"

    def _call(self, operation: int, attributes: list = (), document: bytes = b"") -> list[dict]:
        body = encode(operation, next(_ids), self.uri, attributes) + document
        if self._secure:  # printers carry self-signed certificates: the LAN is trusted as CUPS trusts it
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout, context=context)
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            conn.request("POST", self._path, body, {"Content-Type": "application/ipp"})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as err:  # gone, or gone half way through its answer
            raise IppError(f"printer unreachable: {err}") from None
        finally:
            conn.close()
        if response.status != 200 or len(data) < 8:
            raise IppError(f"printer answered HTTP {response.status}")
        try:
            status, groups = decode(data)
        except (struct.error, IndexError, ValueError, UnicodeDecodeError):
            raise IppError("printer answered something that is not IPP") from None
        if status >= 0x0100:  # 0x0000-0x00FF are successes
            message = groups[0].get("status-message", "") if groups else ""
            raise IppError(f"printer refused the request (IPP status 0x{status:04x}) {message}".strip())
        return groups

    def print_job(self, document: bytes, name: str, mime: str = "application/pdf") -> int:
        """Send a document; the printer's job id."""
        groups = self._call(PRINT_JOB, [(NAME, "requesting-user-name", self.user), (NAME, "job-name", name),
                                        (MIME, "document-format", mime)], document)
        for group in groups[1:]:
            if "job-id" in group:
                return group["job-id"]
        raise IppError("the printer took the job but gave no job id")

    def job(self, job_id: int) -> dict:
        """A job's state, its reasons, and the printer's message about it."""
        groups = self._call(GET_JOB_ATTRIBUTES, [(INTEGER, "job-id", job_id), (NAME, "requesting-user-name", self.user),
                                                 (KEYWORD, "requested-attributes",
                                                  ["job-state", "job-state-reasons", "job-printer-state-message"])])
        found = next((g for g in groups[1:] if "job-state" in g), {})
        return {"state": JOB_STATES.get(found.get("job-state"), "unknown"),
                "reasons": _listed(found.get("job-state-reasons")),
                "message": found.get("job-printer-state-message") or ""}

    def find_job(self, name: str) -> int | None:
        """The id of a job named `name`, pending or finished, if the printer still knows it."""
        groups = self._call(GET_JOBS, [(NAME, "requesting-user-name", self.user), (KEYWORD, "which-jobs", "all"),
                                       (KEYWORD, "requested-attributes", ["job-id", "job-name"])])
        for group in groups[1:]:
            if group.get("job-name") == name:
                return group.get("job-id")
        return None

    def status(self) -> dict:
        """The printer's state (idle, processing, stopped), its reasons and message, and whether it takes jobs."""
        groups = self._call(GET_PRINTER_ATTRIBUTES, [(KEYWORD, "requested-attributes", [
            "printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs",
            "document-format-supported"])])
        found = next((g for g in groups[1:] if "printer-state" in g), {})
        return {"state": PRINTER_STATES.get(found.get("printer-state"), "unknown"),
                "reasons": [r for r in _listed(found.get("printer-state-reasons")) if r != "none"],
                "message": found.get("printer-state-message") or "",
                "accepting": found.get("printer-is-accepting-jobs", True),
                "formats": tuple(_listed(found.get("document-format-supported")))}


def _listed(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]
