"""Box-office sales: sell, confirm or cancel a held sale, and list sales."""
from ..api import actor, allowed, bp, load_event
from ..auth import current
from . import walkins
from .schemas import CancelIn, ConfirmIn, SaleIn, SalesQuery

# A repeated request answers with the status of what the sale is now.
_STATUS = {"confirmed": 201, "held": 202}


def _shaped(result: dict):
    return result, _STATUS.get(result["sale"]["state"], 200)


@bp.post("/events/<slug>/sales")
@bp.auth_required(**allowed("sales"))
@bp.input(SaleIn)
def sell(slug, json_data):
    """Sell walk-ins: cash answers 201 with tickets; card/UPI answers 202 with a hold and its expiry."""
    # The event is looked up with the sale, in its batch (see sales/batch.py): no read before it.
    return _shaped(walkins.sell(slug, json_data, actor(), bound_event_id=current().event_id))


@bp.get("/events/<slug>/sales")
@bp.auth_required(**allowed("sales"))
@bp.input(SalesQuery, location="query")
def list_sales(slug, query_data):
    """The newest sales (e.g. state=held for open holds with their countdown)."""
    return {"sales": walkins.list_sales(load_event(slug), query_data.get("state"))}


@bp.get("/events/<slug>/sales/<int(max=2147483647):sale_id>")
@bp.auth_required(**allowed("sales"))
def get_sale(slug, sale_id):
    """One sale with its tickets."""
    return walkins.read(load_event(slug), sale_id)


@bp.post("/events/<slug>/sales/<int(max=2147483647):sale_id>/confirm")
@bp.auth_required(**allowed("sales"))
@bp.input(ConfirmIn)
def confirm_sale(slug, sale_id, json_data):
    """Payment arrived: the tickets are issued (after expiry only if stock is still there)."""
    return _shaped(walkins.confirm(load_event(slug), sale_id, json_data.get("reference"), actor()))


@bp.post("/events/<slug>/sales/<int(max=2147483647):sale_id>/cancel")
@bp.auth_required(**allowed("sales"))
@bp.input(CancelIn)
def cancel_sale(slug, sale_id, json_data):
    """The buyer left or the payment failed: the held seats go back at once."""
    return walkins.cancel(load_event(slug), sale_id, json_data.get("reason"), actor())
