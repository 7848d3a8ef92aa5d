"""Reconciliation: the export with one row per ticket, and the daily review."""
from flask import Response

from .. import export, review
from . import bp
from .box_schemas import ReviewQuery
from .common import allowed, load_event


@bp.get("/events/<slug>/export.csv")
@bp.auth_required(**allowed("review.read"))
@bp.doc(responses={200: {"description": "CSV: ticket rows, then totals", "content": {"text/csv": {}}}})
def export_csv(slug):
    """Every ticket with channel, price, state, first entry, badge prints and changes; totals match the inventory."""
    event = load_event(slug)
    return Response(export.export_csv(event), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-reconciliation.csv"'})


@bp.get("/events/<slug>/review")
@bp.auth_required(**allowed("review.read"))
@bp.input(ReviewQuery, location="query")
def daily_review(slug, query_data):
    """One local day: on-site sales vs plan, upgrades, transfers, unused tickets, expired holds."""
    return review.review(load_event(slug), query_data.get("day"))
