"""The HTTP API under /api/v1 (see API.md for the contract)."""
from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="API")

from . import badges, frames, offline, reports, scans, setup, tickets  # noqa: E402,F401  (routes register on bp)
from . import box, reconcile, sales  # noqa: E402,F401  (box office)
from . import live  # noqa: E402,F401  (live counts and alerts)
