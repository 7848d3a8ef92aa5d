"""Box-office changes and supervisor capacity moves: upgrades, buffer, quota, emergency pools."""
from ..api import actor, allowed, bp, load_event, may
from ..sales import upgrades
from ..sales.schemas import BufferReleaseIn, CancelIn, PoolIn, PoolSalesIn, QuotaMoveIn, UpgradeIn
from . import capacity, pools


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/upgrade")
@bp.auth_required(**allowed("tickets.change"))
@bp.input(UpgradeIn)
def upgrade_ticket(slug, ticket_id, json_data):
    """Move a ticket to another type: new code, price difference, badge reprint due; 409 without stock."""
    return upgrades.upgrade(load_event(slug), ticket_id, json_data["to_type"], json_data.get("payment"),
                            json_data.get("reason"), actor())


@bp.post("/events/<slug>/ticket-types/<code>/release-buffer")
@bp.auth_required(**allowed("stock.manage"))
@bp.input(BufferReleaseIn)
def release_buffer(slug, code, json_data):
    """Make part of the hidden buffer sellable (supervisor); a ledger entry says who and why."""
    return capacity.release_buffer(load_event(slug), code, json_data["quantity"], json_data["reason"], actor())


@bp.post("/events/<slug>/quota-moves")
@bp.auth_required(**allowed("quota.move"))
@bp.input(QuotaMoveIn)
def move_quota(slug, json_data):
    """Move unsold quota between channels; inside the freeze window only a supervisor may."""
    return capacity.move_quota(load_event(slug), json_data, actor(), supervisor=may("changes.approve"))


@bp.post("/events/<slug>/emergency-pools")
@bp.auth_required(**allowed("stock.manage"))
@bp.input(PoolIn)
def assign_pool(slug, json_data):
    """Assign a device a few seats it may sell offline (taken from stock now)."""
    return pools.assign(load_event(slug), json_data, actor()), 201


@bp.get("/events/<slug>/emergency-pools")
@bp.auth_required(**allowed("sales"))
def list_pools(slug):
    """Every device's emergency pool: size, used, left."""
    return {"pools": pools.list_pools(load_event(slug))}


@bp.post("/events/<slug>/emergency-pools/<int(max=2147483647):pool_id>/close")
@bp.auth_required(**allowed("stock.manage"))
@bp.input(CancelIn)
def close_pool(slug, pool_id, json_data):
    """Close a pool; its unused seats go back to stock."""
    return pools.close(load_event(slug), pool_id, json_data.get("reason"), actor())


@bp.post("/events/<slug>/emergency-sales")
@bp.auth_required(**allowed("sales"))
@bp.input(PoolSalesIn)
def upload_pool_sales(slug, json_data):
    """A device's offline sales: each confirmed once from its pool, or refused (never oversold)."""
    return {"results": pools.upload(load_event(slug), json_data["device"], json_data["sales"], actor())}
