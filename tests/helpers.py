"""Helpers the tests import: an API client with a token, and times."""
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
