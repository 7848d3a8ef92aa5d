"""The gate server's HTTP API, as the gate client uses it.

Three calls (see API.md, "Scans"), all with `Authorization: Bearer <token>`:

- `POST {server}/api/v1/events/{event}/scans` with one scan
  `{code, gate, nonce, scanned_at, device, direction?, offline?}`, answered
  `200` with the judged scan `{status, reason, message, ticket, ...}`;
- `POST {server}/api/v1/events/{event}/scans/batch` with `{"scans": [...]}`,
  answered `{"scans": [answer, ...], "conflicts": n}` in the same order, each
  answer with a `conflict` flag (allowed offline here, already in elsewhere);
- `GET {server}/api/v1/events/{event}/gate-pack?gate=CODE&format=2[&since=CURSOR]`,
  what the gate needs to judge offline (see `scanner.gate_pack`), in its
  compact format, compressed on the wire (requests asks for gzip, and br
  when the brotli package is installed, and unpacks it); with the last
  pack's ETag in `If-None-Match` an unchanged pack is a `304` without a body.

Failures come in two kinds: `Offline` (no network, a timeout, a 5xx, an
answer that is not JSON), after which the same request may succeed later;
and `Refused` (any other 4xx, e.g. a wrong token or an unknown gate), which
no retry will fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

__all__ = ["GateServer", "Offline", "Refused"]

# Connecting should be quick on a venue network; judging a scan may take longer.
TIMEOUT = (3.0, 10.0)
# Answers worth retrying: the server is busy or timed out, not refusing.
RETRYABLE = {408, 425, 429}


class Offline(Exception):
    """The server could not be reached or failed; the request may be retried later."""


class Refused(Exception):
    """The server refused the request itself (4xx); retrying will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class GateServer:
    """Client of one event's scan endpoints on the gate server."""

    def __init__(
        self,
        server: str,
        token: str,
        event: str,
        timeout: tuple[float, float] = TIMEOUT,
        http: requests.Session | None = None,
    ) -> None:
        if not server.startswith(("http://", "https://")):
            raise ValueError(f"server must be an http:// or https:// URL, got {server!r}")
        self.base = f"{server.rstrip('/')}/api/v1/events/{quote(event, safe='')}"
        self.timeout = timeout
        self.http = http or requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def scan(self, scan: dict[str, Any]) -> dict[str, Any]:
        """Send one scan; return the server's judgement."""
        return self._post("/scans", scan)

    def batch(self, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send scans made offline; return one judgement per scan, in order."""
        answer = self._post("/scans/batch", {"scans": scans})
        judged = answer.get("scans")
        if not isinstance(judged, list) or len(judged) != len(scans):
            raise Offline("the batch answer does not judge every scan sent")
        return judged

    def gate_pack(self, gate: str, since: int = 0, etag: str | None = None) -> dict[str, Any] | None:
        """The gate pack: whole, or only the tickets changed after the cursor `since`, with its ETag
        under `etag`; None when the server says the pack whose ETag is `etag` is still current."""
        params: dict[str, Any] = {"gate": gate, "format": 2}
        if since:
            params["since"] = since
        headers = {"If-None-Match": etag} if etag else {}
        response = self._sent(lambda: self.http.get(self.base + "/gate-pack", params=params, headers=headers,
                                                     timeout=self.timeout))
        if response.status_code == 304:
            return None
        return {**self._json(response), "etag": response.headers.get("ETag")}

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._sent(lambda: self.http.post(self.base + path, json=body, timeout=self.timeout)))

    @staticmethod
    def _sent(send: Callable[[], requests.Response]) -> requests.Response:
        try:
            return send()
        except requests.RequestException as exc:
            raise Offline(f"cannot reach the server: {exc.__class__.__name__}") from exc

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 500 or response.status_code in RETRYABLE:
            raise Offline(f"the server answered {response.status_code}")
        if response.status_code >= 400:
            raise Refused(response.status_code, _problem_detail(response))
        try:
            answer = response.json()
        except ValueError as exc:
            raise Offline("the server answered something that is not JSON") from exc
        if not isinstance(answer, dict):
            raise Offline("the server answered JSON that is not an object")
        return answer


def _problem_detail(response: requests.Response) -> str:
    """The human part of a problem+json answer, or the start of whatever came back."""
    try:
        problem = response.json()
    except ValueError:
        return response.text[:200] or response.reason or "refused"
    if isinstance(problem, dict):
        return str(problem.get("detail") or problem.get("title") or problem)[:500]
    return str(problem)[:200]
