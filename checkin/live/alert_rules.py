"""Which alert conditions hold now, from a snapshot the live hub already read.

Each family returns {key: candidate}; alerts.reconcile() turns that into
raised and re-armed alerts. Messages name gates, zones, types and ticket
numbers, never a holder.
"""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import GateDevice
from .alerts import candidate

STOCK = ("low_stock:", "sold_out:", "oversell_risk:")
CROWD = ("zone_capacity:", "duplicate_spike")
DEVICES = ("device_silent:",)


def stock(inventory: dict, settings: dict) -> dict[str, dict]:
    """Low stock per type and channel, sold out, and held seats eating the last few."""
    wanted: dict[str, dict] = {}
    thresholds = settings.get("low_stock") or {}
    margin = settings.get("oversell_margin")
    for t in inventory["types"]:
        code, left, own = t["code"], t["available"], thresholds.get(t["code"], {})
        limit = own.get("*", t["low_stock_at"])
        if t["capacity"] - t["buffer"] > 0 and left <= 0:
            wanted[f"sold_out:{code}"] = candidate("sold_out", "critical", f"sold_out:{code}",
                                                   f"{t['name']} is sold out", {"type": code})
        elif limit is not None and left <= limit:
            wanted[f"low_stock:{code}"] = candidate("low_stock", "warning", f"low_stock:{code}",
                                                    f"{t['name']}: only {left} left",
                                                    {"type": code, "available": left, "threshold": limit})
        if margin is not None and t["held"] > 0 and left <= margin:
            wanted[f"oversell_risk:{code}"] = candidate(
                "oversell_risk", "warning", f"oversell_risk:{code}",
                f"{t['name']}: {t['held']} held in pending sales and only {left} left",
                {"type": code, "sold": t["sold"], "held": t["held"], "available": left})
        for ch in t["channels"]:
            _channel_stock(wanted, t, ch, own.get(ch["channel"]))
    return wanted


def _channel_stock(wanted: dict, t: dict, ch: dict, limit: int | None) -> None:
    key = f"{t['code']}:{ch['channel']}"
    if ch["quota"] > 0 and ch["available"] <= 0:
        wanted[f"sold_out:{key}"] = candidate("sold_out", "warning", f"sold_out:{key}",
                                              f"{t['name']}: the {ch['channel']} quota is used up",
                                              {"type": t["code"], "channel": ch["channel"]})
    elif limit is not None and ch["available"] <= limit:
        wanted[f"low_stock:{key}"] = candidate(
            "low_stock", "warning", f"low_stock:{key}",
            f"{t['name']}: only {ch['available']} left in the {ch['channel']} quota",
            {"type": t["code"], "channel": ch["channel"], "available": ch["available"], "threshold": limit})


def crowd(counts: dict, settings: dict) -> dict[str, dict]:
    """Zones near or at capacity, and more duplicates than usual in the last minutes."""
    wanted: dict[str, dict] = {}
    warn = settings.get("zone_warn_percent") or 100
    for zone, z in counts["zones"].items():
        cap = z["capacity"]
        if not cap:
            continue
        data = {"zone": zone, "inside": z["inside"], "capacity": cap}
        if z["inside"] >= cap:
            wanted[f"zone_capacity:{zone}:full"] = candidate(
                "zone_capacity", "critical", f"zone_capacity:{zone}:full",
                f"{zone} is full: {z['inside']} inside, capacity {cap}", data)
        elif z["inside"] * 100 >= cap * warn:
            wanted[f"zone_capacity:{zone}:near"] = candidate(
                "zone_capacity", "warning", f"zone_capacity:{zone}:near",
                f"{zone} is near capacity: {z['inside']} inside of {cap}", data)
    spike = settings.get("duplicate_spike")
    if spike:
        minutes = max(1, min(60, spike["minutes"]))
        per_gate = {code: sum(g["last_hour"]["duplicates"][-minutes:]) for code, g in counts["gates"].items()}
        total = sum(per_gate.values())
        if total > spike["count"]:
            wanted["duplicate_spike"] = candidate(
                "duplicate_spike", "warning", "duplicate_spike",
                f"{total} duplicate scans in the last {minutes} min",
                {"duplicates": total, "minutes": minutes, "gates": {k: v for k, v in per_gate.items() if v}})
    return wanted


def scans(shown: list[dict]) -> list[dict]:
    """One-off alerts from judged scans: a ticket tried at a second gate, offline entries that clash."""
    out = []
    for s in shown:
        first = s["first_entry"]
        if s["reason"] != "duplicate" or first is None:
            continue
        ticket = s["ticket_id"]
        gap = _gap_words(s["gap_seconds"])
        first_gate = first.get("gate_name") or first["gate"]
        data = {"ticket_id": ticket, "type": s["type"], "gate": s["gate"], "first_gate": first["gate"],
                "first_at": first["at"], "gap_seconds": s["gap_seconds"], "scan_id": s["id"]}
        if s["offline"]:
            out.append(candidate("offline_conflict", "warning", f"offline_conflict:{s['id']}",
                                 f"Offline entry at {s['gate_name']} clashes: ticket #{ticket} was already "
                                 f"inside (entered at {first_gate} {gap} earlier)", data, latch=False))
        elif first["gate"] != s["gate"]:
            out.append(candidate("passback", "warning", f"passback:{ticket}",
                                 f"Ticket #{ticket} tried at {s['gate_name']} after entering at "
                                 f"{first_gate} {gap} earlier", data))
    return out


def devices(event_id: int, settings: dict, now: datetime) -> dict[str, dict]:
    """Devices not heard from for longer than the event allows (and heard from in the last day)."""
    minutes = settings.get("device_silent_minutes")
    if not minutes:
        return {}
    quiet_since = now - timedelta(minutes=minutes)
    rows = db.session.execute(select(GateDevice.device, GateDevice.gate_code, GateDevice.last_seen).where(
        GateDevice.event_id == event_id, GateDevice.last_seen < quiet_since,
        GateDevice.last_seen > now - timedelta(days=1))).all()
    wanted = {}
    for device, gate, last_seen in rows:
        silent = int((now - last_seen).total_seconds() // 60)
        wanted[f"device_silent:{device}"] = candidate(
            "device_silent", "warning", f"device_silent:{device}",
            f"Device {device} at gate {gate} silent for {silent} min",
            {"device": device, "gate": gate, "last_seen": last_seen.isoformat()})
    return wanted


def _gap_words(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
