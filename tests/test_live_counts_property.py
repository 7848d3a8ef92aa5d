"""Live counts equal the recount after every operation, whatever the order: random sequences of
scans, exits, annulments, upgrades and downgrades, transfers, voids and offline batches, on each
engine, compared after every step (Hypothesis; a few seconds per engine)."""
import itertools
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin.extensions import db
from checkin.live import snapshots
from checkin.models import Event
from helpers import iso
from live_helpers import assert_counts_match_database

TICKETS = 4
GATES = ["north", "south", "lounge"]  # north and south: hall, both ways; lounge: VIP only, in only
TYPES = [{"code": "GA", "name": "General", "capacity": 20, "badge_type": "General"},
         {"code": "VIP", "name": "VIP", "capacity": 3, "badge_type": "VIP", "zones": ["hall", "lounge"]}]
SLUGS = itertools.count()

ticket = st.integers(0, TICKETS - 1)
device = st.sampled_from(["tab-1", "tab-2"])  # two devices: re-reads within seconds happen too
OPERATIONS = st.one_of(
    st.tuples(st.just("scan"), ticket, st.sampled_from(GATES), device),
    st.tuples(st.just("exit"), ticket, st.sampled_from(GATES[:2]), device),
    st.tuples(st.just("invalid"), st.sampled_from(GATES)),
    st.tuples(st.just("annul"), ticket),
    st.tuples(st.just("retype"), ticket, st.sampled_from(["GA", "VIP"])),  # an upgrade or a downgrade
    st.tuples(st.just("transfer"), ticket),
    st.tuples(st.just("void"), ticket),
    st.tuples(st.just("batch"), st.lists(st.tuples(ticket, st.sampled_from(GATES[:2]), st.sampled_from(["in", "out"])),
                                         min_size=1, max_size=3)),
)


class Venue:
    """One event per example, driven through the API as the gates, the box office and a supervisor would."""

    def __init__(self, admin, make_event, issue):
        self.admin, self.slug = admin, make_event(f"p{next(SLUGS)}", types=TYPES)
        self.base = f"/api/v1/events/{self.slug}"
        self.tickets = issue(self.slug, n=TICKETS - 1) + issue(self.slug, type="VIP")
        self.admitted: dict[int, list[int]] = {}  # ticket index -> its admitted scans' ids
        self.nonces = itertools.count()

    def apply(self, op: tuple) -> None:
        """Carry out one operation; refusals (409, 422) are part of the game, a 5xx never."""
        r = getattr(self, op[0])(*op[1:])
        assert r.status_code < 500, (op, r.json)

    def _scan(self, i: int, gate: str, direction: str, device: str):
        r = self.admin.post(f"{self.base}/scans", {"code": self.tickets[i]["code"], "gate": gate,
                                                   "direction": direction, "device": device})
        if r.status_code == 200 and r.json["status"] == "ok" and not r.json["repeat"]:
            self.admitted.setdefault(i, []).append(r.json["scan"]["id"])
        return r

    def scan(self, i, gate, device):
        return self._scan(i, gate, "in", device)

    def exit(self, i, gate, device):
        return self._scan(i, gate, "out", device)

    def invalid(self, gate):
        return self.admin.post(f"{self.base}/scans", {"code": "NO-SUCH-TICKET", "gate": gate})

    def annul(self, i):
        scans = self.admitted.get(i) or [0]
        return self.admin.post(f"{self.base}/scans/{scans.pop()}/annul", {"reason": "wrong ticket"})

    def retype(self, i, to_type):
        return self._changed(i, self.admin.post(f"{self.base}/tickets/{self.tickets[i]['id']}/upgrade",
                                                {"to_type": to_type}))

    def transfer(self, i):
        return self._changed(i, self.admin.post(f"{self.base}/tickets/{self.tickets[i]['id']}/transfer",
                                                {"holder": {"name": "New Holder"}, "reason": "resold"}))

    def void(self, i):
        return self.admin.post(f"{self.base}/tickets/{self.tickets[i]['id']}/void", {"reason": "refund"})

    def batch(self, items):
        now = iso(datetime.now(timezone.utc))
        scans = [{"code": self.tickets[i]["code"], "gate": gate, "direction": direction, "offline": True,
                  "scanned_at": now, "nonce": f"n-{next(self.nonces)}", "device": "offline-tab"}
                 for i, gate, direction in items]
        return self.admin.post(f"{self.base}/scans/batch", {"scans": scans})

    def _changed(self, i, r):
        if r.status_code == 200:
            self.tickets[i]["code"] = r.json["code"]  # the old code answers revoked from now on
        return r


CLOCK = ("scans_per_minute", "last_hour")  # per-minute figures shift when a minute ends between two reads


def _without_clock(counts: dict) -> dict:
    """The counts less what moves with the clock alone (the time, rates and series per minute)."""
    gates = {code: {k: v for k, v in g.items() if k not in CLOCK} for code, g in counts["gates"].items()}
    totals = {k: v for k, v in counts["totals"].items() if k not in CLOCK}
    return {**counts, "at": None, "series_start": None, "gates": gates, "totals": totals}


def assert_live_equals_recount(app, venue: Venue) -> None:
    live = assert_counts_match_database(app, venue.admin, venue.slug)
    with app.app_context():  # what the Socket.IO layer sends: the same snapshot function, read again
        event = db.session.query(Event).filter_by(slug=venue.slug).one()
        sent = snapshots.counts(event)
        db.session.rollback()
    assert _without_clock(sent) == _without_clock(live)


@settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                                 HealthCheck.too_slow])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=10))
def test_live_counts_equal_the_recount_after_every_operation(app, admin, make_event, issue, operations):
    venue = Venue(admin, make_event, issue)
    for op in operations:
        venue.apply(op)
        assert_live_equals_recount(app, venue)
