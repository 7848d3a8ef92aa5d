"""Helpers the tests import: an API client with a token, times, and threads started together."""
import threading
from datetime import datetime, timezone

NOW = datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.isoformat()


class Api:
    """The test client with a bearer token and JSON helpers."""

    def __init__(self, client, bearer: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {bearer}"}

    def get(self, path: str, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(path, json=json, headers=self.headers, **kw)

    def patch(self, path: str, json=None, **kw):
        return self.client.patch(path, json=json, headers=self.headers, **kw)

    def put(self, path: str, json=None, **kw):
        return self.client.put(path, json=json, headers=self.headers, **kw)

    def as_role(self, bearer: str) -> "Api":
        return Api(self.client, bearer)


def run_together(n: int, work, timeout: float = 60) -> list:
    """Start n threads that call work(i) at the same instant; return their results."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def go(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
