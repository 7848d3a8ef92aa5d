"""Doors open: the whole venue at once against `gate serve`, for a fixed time.

One event with --tickets tickets (a tenth VIP), imported with `gate import`.
Then, paced open-loop (each request leaves when it is due, whatever the
answers before it took) for --seconds:

- 20 gate devices scanning at a combined 100 scans/s: first entries, about 5%
  duplicates (a guest inside scanned again), 2% invalid codes, and exits at the
  two gates whose direction is both. One device scans first entries only at a
  gate of its own ("probe"), so the dashboards' delay can be timed;
- 10 tablets fetching the gate pack (format 2, gzip) at the start, then what
  changed every 5 s from their cursor, with the last ETag;
- the box office selling 5 walk-ins a second: a card hold, then its confirmation;
- print at check-in on 2 desks: a quarter of the VIPs admitted at the VIP gate
  (those whose badge was not sent beforehand) get a badge job at one desk, handed
  to the desk by the gate device (the desk page hears it on Socket.IO); a print
  agent per desk takes its jobs over the API (long poll), fetches the PDF and
  reports it sent and printed (no printer behind it);
- 50 dashboards on Socket.IO, joined as the dashboard page joins, timing when
  each first sees the probe gate's count reach each probe scan's number, from
  the moment that scan's answer arrived.

Everything runs on the same machine as the server: the figures include the
load clients' own CPU, printed per process beside the server's.

At the end `/counts` (a recount from the tables), `/counts/live` (kept as it
goes) and every dashboard's last snapshot must agree, and with what the load
clients were answered. Runs on SQLite, then on PostgreSQL + Redis when they
answer (a fresh schema per run, a Socket.IO channel of its own).

    .venv/bin/python bench/doors_open.py [--tickets 100000] [--seconds 60] [--database-url URL --redis-url URL]
                                         [--only sqlite|postgres]
"""
import argparse
import csv
import gzip
import http.client
import json
import multiprocessing as mp
import os
import queue
import random
import socket
import string
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import (  # noqa: E402
    answers,
    cpu_seconds,
    fresh_postgres_schema,
    gate_cli,
    nonce,
    own_cpu_seconds,
    own_peak_rss_mb,
    peak_rss_mb,
    percentile,
    prepare_database,
    served,
)

SLUG = "doors"
EV = f"/api/v1/events/{SLUG}"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
SCAN_RATE, SALE_RATE, TABLETS, DASHBOARDS, DESKS = 100.0, 5.0, 10, 50, ("Desk 1", "Desk 2")
DUPLICATES, INVALID, EXITS = 0.05, 0.02, 0.15  # exits: share of the scans at the two gates whose direction is both
PRINTED_AT_CHECK_IN = 0.25  # VIPs admitted at the VIP gate whose badge the desks print then (the rest came by post)
PACK_EVERY = 5.0  # seconds between a tablet's incremental fetches, as the gate page asks
# device -> gate: one probe device, one at the VIP gate, the rest spread over four gates
DEVICES = ["probe", "vip"] + ["north"] * 7 + ["south"] * 5 + ["east"] * 3 + ["west"] * 3
BOTH = {"east", "west"}
ACTIONS = ["scan", "pack first fetch", "pack incremental", "hold", "sale", "print job", "print take",
           "print report", "dashboard delay"]


class Tally:
    """Latencies and failures per action, shared by the threads of one load process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, Counter] = defaultdict(Counter)
        self.samples: list[str] = []  # the first few unexpected answers, to say what went wrong

    def note(self, action: str, status: int, seconds: float, expected: tuple[int, ...], body: bytes = b"") -> bool:
        with self.lock:
            if status not in expected and len(self.samples) < 5:
                self.samples.append(f"{action}: {status} {body[:300].decode(errors='replace')}")
            self.seconds[action].append(seconds)
            if status == 0:
                self.errors[action]["timeouts"] += 1
            elif status >= 500:
                self.errors[action]["5xx"] += 1
            elif status not in expected:
                self.errors[action]["unexpected 4xx" if status >= 400 else f"unexpected {status}"] += 1
        return status in expected

    def plain(self) -> dict:
        return {"seconds": dict(self.seconds), "errors": {k: dict(v) for k, v in self.errors.items()},
                "samples": self.samples}


class Http:
    """One keep-alive connection with a bearer token; a timeout or a dropped connection answers status 0."""

    def __init__(self, host: str, token: str, timeout: float = 10.0):
        self.host, self.timeout = host, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(*self.host.split(":"), timeout=self.timeout)

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, bytes, float]:
        started = time.perf_counter()
        try:
            self.conn.request(method, path, json.dumps(body) if body is not None else None,
                              {**self.headers, **(headers or {})})
            resp = self.conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), data, time.perf_counter() - started
        except (OSError, http.client.HTTPException):  # socket.timeout is an OSError
            self.conn.close()
            self.conn = self._connect()
            return 0, {}, b"", time.perf_counter() - started


def paced(start: float, rate: float, seconds: float, offset: float = 0.0):
    """The due times (wall clock) of events at `rate` a second for `seconds`, sleeping until each is due."""
    i = 0
    while True:
        due = start + offset + i / rate
        if due >= start + seconds:
            return
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        yield i
        i += 1


# The event

def setup_event(env: dict, host: str, tickets: int, folder: str) -> dict:
    """The event, its gates and the desks' printers made over the API, tickets with `gate import`, tokens
    with `gate token` (each `gate` command starts Python afresh: a few seconds apiece on a busy machine)."""
    admin = Http(host, gate_cli(env, "token", "create", "--role", "admin").strip(), timeout=60)
    made = [admin.call("POST", "/api/v1/events", {
        "slug": SLUG, "name": "Doors open", "timezone": "UTC",
        "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2199-01-01T00:00:00+00:00"})]
    for code, name, capacity in (("GA", "General", tickets), ("VIP", "VIP", tickets), ("WALK", "Walk-in", 10**6)):
        made.append(admin.call("POST", f"{EV}/ticket-types", {
            "code": code, "name": name, "capacity": capacity, "price": "25",
            "badge_type": "VIP" if code == "VIP" else "General"}))
    for code in dict.fromkeys(DEVICES):
        made.append(admin.call("POST", f"{EV}/gates", {
            "code": code, "name": code.title(), "zone": "probe" if code == "probe" else "hall",
            "admits": ["VIP" if code == "vip" else "GA"], "direction": "both" if code in BOTH else "in"}))
    for desk in DESKS:
        for media in ("label-4x3", "a4-9"):  # the desk takes whichever page its badges come on
            made.append(admin.call("POST", f"{EV}/printers", {
                "name": f"{desk} {media}", "desk": desk, "connection": "ipp://127.0.0.1:9/ipp/print",
                "language": "pdf", "media": media}))
    refused = [data[:300] for status, _, data, _ in made if status != 201]
    if refused:
        raise SystemExit(f"setting up the event failed: {refused}")
    path = Path(folder) / "tickets.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["external_id", "type", "name"])
        writer.writerows([f"d-{i}", "VIP" if i % 10 == 0 else "GA", f"Guest {i}"] for i in range(tickets))
    started = time.perf_counter()
    gate_cli(env, "import", str(path), "--event", SLUG, progress=True)
    imported = time.perf_counter() - started
    tokens = {role: gate_cli(env, "token", "create", "--role", role, "--event", SLUG).strip()
              for role in ("gate", "badge_desk", "box_office", "viewer")}
    tokens["admin"] = admin.headers["Authorization"].removeprefix("Bearer ")
    from sqlalchemy import create_engine, text

    engine = create_engine(env["GATE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT t.code, y.code FROM tickets t JOIN ticket_types y ON y.id = t.type_id "
                                 "ORDER BY t.id")).all()
    engine.dispose()
    codes = {"GA": [c for c, t in rows if t == "GA"], "VIP": [c for c, t in rows if t == "VIP"]}
    for kind in codes.values():
        random.Random(7).shuffle(kind)
    return {"tokens": tokens, "codes": codes, "import_seconds": imported}


# Gates and desks: one load process

def gates_and_desks(host: str, tokens: dict, codes: dict, start: float, seconds: float, out) -> None:
    tally, lock = Tally(), threading.Lock()
    fresh = {kind: list(c) for kind, c in codes.items()}
    inside: dict[str, list[str]] = {"GA": [], "VIP": []}
    outcomes: Counter = Counter()
    probes: list[float] = []  # answer time of the k-th probe scan (wall clock)
    badges: queue.Queue = queue.Queue()
    queued_at: dict[int, float] = {}
    desk_counts: Counter = Counter()

    def pick(gate: str, rng: random.Random) -> tuple[str, str, str]:
        """(kind, code, direction) of the next scan at `gate`."""
        kind_of = "VIP" if gate == "vip" else "GA"
        share = len(DEVICES) / (len(DEVICES) - 1)  # the probe device scans first entries only
        r = rng.random()
        with lock:
            if gate != "probe" and r < DUPLICATES * share and inside[kind_of]:
                return "duplicate", rng.choice(inside[kind_of]), "in"
            if gate != "probe" and r < (DUPLICATES + INVALID) * share:
                return "invalid", "".join(rng.choices(string.ascii_uppercase + "234567", k=120)), "in"
            if gate in BOTH and rng.random() < EXITS and inside[kind_of]:
                bag = inside[kind_of]
                k = rng.randrange(len(bag))
                bag[k], bag[-1] = bag[-1], bag[k]
                return "exit", bag.pop(), "out"
            if fresh[kind_of]:
                return "entry", fresh[kind_of].pop(), "in"
        return ("duplicate", rng.choice(inside[kind_of]), "in") if inside[kind_of] else ("invalid", "X" * 40, "in")

    def device(n: int, gate: str) -> None:
        client, rng = Http(host, tokens["gate"]), random.Random(n)
        per_device = SCAN_RATE / len(DEVICES)
        for _ in paced(start, per_device, seconds, offset=n / SCAN_RATE):
            kind, code, direction = pick(gate, rng)
            status, _, data, took = client.call("POST", f"{EV}/scans", {
                "code": code, "gate": gate, "direction": direction, "nonce": nonce(), "device": f"gate-{n}"})
            answered = time.time()
            if not tally.note("scan", status, took, (200,), data):
                continue
            answer = json.loads(data)
            with lock:
                outcomes[(kind, answer["status"], answer.get("reason") or ("repeat" if answer.get("repeat") else None),
                          direction)] += 1
                if answer["status"] == "ok" and kind == "entry" and gate != "probe":  # the probe's zone is its own
                    inside["VIP" if gate == "vip" else "GA"].append(code)
                elif answer["status"] == "ok" and kind == "exit":
                    pass
                elif kind == "exit":  # refused: still inside
                    inside["GA"].append(code)
                if gate == "probe" and answer["status"] == "ok":
                    probes.append(answered)
            if gate == "vip" and kind == "entry" and answer["status"] == "ok" and rng.random() < PRINTED_AT_CHECK_IN:
                badges.put(answer["ticket"]["id"])

    def desk(name: str) -> None:
        """Print at check-in: the desk puts a badge job in for each VIP it is handed."""
        client = Http(host, tokens["badge_desk"])
        while True:
            ticket_id = badges.get()
            if ticket_id is None:
                return
            status, _, data, took = client.call("POST", f"{EV}/print-jobs", {"ticket_ids": [ticket_id], "desk": name})
            if tally.note("print job", status, took, (201,), data):
                job = json.loads(data).get("printer_job")
                with lock:
                    desk_counts["jobs"] += 1
                    if job:
                        queued_at[job["id"]] = time.time()
                    else:
                        desk_counts["no printer job"] += 1

    def agent(name: str, until: float) -> None:
        """A print agent: long-polls for its desk's next job, fetches the PDF, reports it sent and printed."""
        client = Http(host, tokens["badge_desk"], timeout=30)
        while time.time() < until:
            status, _, data, took = client.call("POST", f"{EV}/print-agent/next", {"desk": name, "wait": 2})
            if status != 200:
                tally.note("print take", status, took, (200,), data)
                time.sleep(0.5)
                continue
            job = json.loads(data)["job"]
            if job is None:
                continue
            with lock:
                waited = time.time() - queued_at.get(job["id"], time.time())
            tally.note("print take", 200, waited, (200,))
            status, _, _, took = client.call("GET", job["pdf"])
            tally.note("print pdf", status, took, (200,))
            for state in ("sent", "printed"):
                status, _, data, took = client.call("POST", f"{EV}/printer-jobs/{job['id']}/report",
                                                    {"lease": job["lease"], "state": state})
                tally.note("print report", status, took, (200,), data)
            with lock:
                desk_counts["printed"] += 1

    devices = [threading.Thread(target=device, args=(n, gate)) for n, gate in enumerate(DEVICES)]
    desks = [threading.Thread(target=desk, args=(name,)) for name in DESKS]
    agents = [threading.Thread(target=agent, args=(name, start + seconds + 15)) for name in DESKS]
    for t in devices + desks + agents:
        t.start()
    for t in devices:
        t.join()
    for _ in desks:
        badges.put(None)
    for t in desks:
        t.join()
    deadline = start + seconds + 15
    while time.time() < deadline and desk_counts["printed"] < desk_counts["jobs"] - desk_counts["no printer job"]:
        time.sleep(0.2)
    for t in agents:  # they stop at their deadline; a printed queue lets them go at the next empty poll
        t.join()
    out.put({"process": "gates and desks", "tally": tally.plain(), "outcomes": dict(outcomes), "probes": probes,
             "desks": dict(desk_counts), "cpu": own_cpu_seconds(os.getpid()), "rss": own_peak_rss_mb()})


# Tablets and box office: another load process

def tablets_and_box_office(host: str, tokens: dict, start: float, seconds: float, out) -> None:
    tally, lock = Tally(), threading.Lock()
    sold: Counter = Counter()

    def tablet(n: int) -> None:
        client = Http(host, tokens["gate"], timeout=30)
        gate = DEVICES[2 + n % (len(DEVICES) - 2)]
        base = f"{EV}/gate-pack?gate={gate}&format=2"
        time.sleep(max(0.0, start - time.time()))
        status, headers, data, took = client.call("GET", base, headers={"Accept-Encoding": "gzip"})
        if not tally.note("pack first fetch", status, took, (200,), data):
            return
        cursor, etag = _pack(headers, data)["cursor"], headers.get("ETag")
        for _ in paced(start, 1 / PACK_EVERY, seconds, offset=PACK_EVERY * (n + 1) / TABLETS):
            sent = {"Accept-Encoding": "gzip", **({"If-None-Match": etag} if etag else {})}
            status, headers, data, took = client.call("GET", f"{base}&since={cursor}", headers=sent)
            if tally.note("pack incremental", status, took, (200, 304)) and status == 200:
                cursor, etag = _pack(headers, data)["cursor"], headers.get("ETag")

    def box_office(n: int, threads: int) -> None:
        client = Http(host, tokens["box_office"])
        for _ in paced(start, SALE_RATE / threads, seconds, offset=n / SALE_RATE):
            status, _, data, took = client.call("POST", f"{EV}/sales", {
                "type": "WALK", "quantity": 1, "payment": {"method": "card"}, "nonce": nonce()})
            if not tally.note("hold", status, took, (202,), data):
                continue
            sale = json.loads(data)["sale"]["id"]
            status, _, data, took = client.call("POST", f"{EV}/sales/{sale}/confirm", {"reference": f"card-{sale}"})
            if tally.note("sale", status, took, (201,), data):
                with lock:
                    sold["walk-ins"] += 1

    threads = [threading.Thread(target=tablet, args=(n,)) for n in range(TABLETS)]
    threads += [threading.Thread(target=box_office, args=(n, 2)) for n in range(2)]  # two tills
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put({"process": "tablets and box office", "tally": tally.plain(), "sold": sold["walk-ins"],
             "cpu": own_cpu_seconds(os.getpid()), "rss": own_peak_rss_mb()})


def _pack(headers: dict, data: bytes) -> dict:
    return json.loads(gzip.decompress(data) if headers.get("Content-Encoding") == "gzip" else data)


# Dashboards: Socket.IO clients in processes of their own

def dashboards(url: str, token: str, n: int, ready, stop, out) -> None:
    """n dashboards; each notes when it first saw the probe gate's entries reach each number, and its last counts."""
    import socketio

    seen: list[dict[int, float]] = [{} for _ in range(n)]
    last: list[dict] = [{} for _ in range(n)]
    clients = []
    for i in range(n):
        client = socketio.Client(reconnection=False)

        def on_counts(payload, mine=seen[i], latest=last, k=i):
            at = time.time()
            mine.setdefault(payload["gates"]["probe"]["entries"], at)
            if payload.get("version", 0) >= latest[k].get("version", 0):
                latest[k] = payload
        client.on("counts", on_counts, namespace="/live")
        client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=30)
        # joined as the dashboard page joins: counts, inventory, alerts, and only the refused scans
        ack = client.call("join", {"event": SLUG, "scans": "refused"}, namespace="/live", timeout=30)
        assert ack["ok"], ack
        clients.append(client)
    ready.put(n)
    stop.wait()
    for client in clients:
        client.disconnect()
    out.put({"process": f"{n} dashboards", "seen": seen, "last": [_core(p) for p in last],
             "cpu": own_cpu_seconds(os.getpid()), "rss": own_peak_rss_mb()})


def _core(counts: dict) -> dict:
    """What must agree between a snapshot and a recount: per gate, zone and type, and the totals."""
    if not counts:
        return {}
    gates = {code: (g["entries"], g["exits"], g["duplicates"], _refused(g["refused"]))
             for code, g in counts["gates"].items()}
    zones = {z: (v["entries"], v["exits"], v["inside"]) for z, v in counts["zones"].items()}
    types = {code: (t["entries"], t["exits"], t["duplicates"], _refused(t["refused"]))
             for code, t in counts["types"].items()}
    totals = counts.get("totals")
    if totals is not None:
        totals = (totals["entries"], totals["exits"], totals["walkins"], totals["badges"], totals["reprints"])
    else:  # the recount names them otherwise
        totals = (sum(g[0] for g in gates.values()), sum(g[1] for g in gates.values()), counts["walk_ins"],
                  counts["badges_printed"], counts["reprints"])
    return {"gates": gates, "zones": zones, "types": types, "totals": totals}


def _refused(refused) -> int:
    return sum(refused.values()) if isinstance(refused, dict) else int(refused)


# One run

def rehearse(label: str, url: str, redis_url: str | None, tickets: int, seconds: float, screens: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="gate-doors-") as tmp:
        url = url or f"sqlite:///{tmp}/gate.db"
        prepare_database(url)
        # Every load client here shares one address; a venue's gates do not, so the per-address
        # throttle of invalid codes is off (the per-device one stays on).
        extra = {"GATE_SCAN_INVALID_ADDRESS_LIMIT": "0"}
        if redis_url:
            extra |= {"GATE_REDIS_URL": redis_url, "GATE_SOCKETIO_CHANNEL": f"doors-{uuid.uuid4().hex[:8]}"}
        log = Path(tempfile.gettempdir()) / f"gate-doors-{'postgres' if redis_url else 'sqlite'}-{os.getpid()}.log"
        with served(url, extra, log) as (host, env, pid):
            print(f"\n## {label}: {tickets:,} tickets, {seconds:.0f} s", flush=True)
            made = setup_event(env, host, tickets, tmp)
            print(f"imported {tickets:,} tickets in {made['import_seconds']:.1f} s "
                  f"({tickets / made['import_seconds']:.0f}/s)", flush=True)
            result = run_load(host, pid, made, seconds, screens, made["import_seconds"])
        result["log_path"] = str(log)
        result["server_log"] = [line for line in log.read_text(errors="replace").splitlines()
                                if "Traceback" in line or "Error" in line or "error" in line][:20]
        return result


def run_load(host: str, pid: int, made: dict, seconds: float, screens: int, import_seconds: float) -> dict:
    tokens = made["tokens"]
    spawn, fork = mp.get_context("spawn"), mp.get_context("fork")
    ready, stop, screen_out = spawn.Queue(), spawn.Event(), spawn.Queue()
    per = [screens // 2 + screens % 2, screens // 2] if screens > 1 else [screens]
    watchers = [spawn.Process(target=dashboards, args=(f"http://{host}", tokens["viewer"], k, ready, stop,
                                                       screen_out)) for k in per if k]
    for p in watchers:
        p.start()
    assert sum(ready.get(timeout=180) for _ in watchers) == screens
    time.sleep(1.0)  # the join snapshots settle
    cpu_before = cpu_seconds(pid)
    start = time.time() + 1.0
    load_out = fork.Queue()
    loaders = [fork.Process(target=gates_and_desks, args=(host, tokens, made["codes"], start, seconds, load_out)),
               fork.Process(target=tablets_and_box_office, args=(host, tokens, start, seconds, load_out))]
    for p in loaders:
        p.start()
    loads = [load_out.get(timeout=seconds + 120) for _ in loaders]
    for p in loaders:
        p.join(30)
    elapsed = time.time() - start
    server_cpu = cpu_seconds(pid) - cpu_before
    time.sleep(1.5)  # the last snapshots reach the screens
    admin = Http(host, tokens["admin"], timeout=60)
    recount = json.loads(admin.call("GET", f"{EV}/counts")[2])
    live = json.loads(admin.call("GET", f"{EV}/counts/live")[2])
    stop.set()
    watched = [screen_out.get(timeout=60) for _ in watchers]
    for p in watchers:
        p.join(30)
    return {"loads": loads, "watched": watched, "recount": recount, "live": live, "elapsed": elapsed,
            "seconds": seconds, "server": {"cpu": server_cpu, "rss": peak_rss_mb(pid)}, "import": import_seconds}


# The report

def dashboard_delays(watched: list[dict], probes: list[float]) -> list[float]:
    """For every screen and probe k: when it first saw the probe gate at k or more, minus k's answer."""
    out = []
    for proc in watched:
        for seen in proc["seen"]:
            firsts = sorted(seen.items())
            for k, answered in enumerate(sorted(probes), start=1):
                reached = [t for value, t in firsts if value >= k]
                if reached:
                    out.append(min(reached) - answered)
    return out


def report(r: dict) -> dict:
    gates = next(x for x in r["loads"] if x["process"] == "gates and desks")
    other = next(x for x in r["loads"] if x["process"] != "gates and desks")
    seconds = {**gates["tally"]["seconds"], **other["tally"]["seconds"]}
    errors = {**gates["tally"]["errors"], **other["tally"]["errors"]}
    seconds["dashboard delay"] = dashboard_delays(r["watched"], gates["probes"])
    expected_delays = len(gates["probes"]) * sum(len(p["seen"]) for p in r["watched"])
    missed = expected_delays - len(seconds["dashboard delay"])
    vip_rate = SCAN_RATE / len(DEVICES) * (1 - (DUPLICATES + INVALID) * len(DEVICES) / (len(DEVICES) - 1)) \
        * PRINTED_AT_CHECK_IN
    targets = {"scan": SCAN_RATE, "hold": SALE_RATE, "sale": SALE_RATE, "pack first fetch": None,
               "pack incremental": TABLETS / PACK_EVERY, "print job": vip_rate, "print take": vip_rate,
               "print report": 2 * vip_rate, "dashboard delay": None}
    print("\n| action | target /s | achieved /s | n | p50 ms | p99 ms | 5xx | timeouts | unexpected 4xx |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for action in ACTIONS:
        values = seconds.get(action, [])
        err = errors.get(action, {})
        target = targets[action]
        rate = f"{len(values) / r['seconds']:.1f}" if target else "-"
        other_bad = sum(v for k, v in err.items() if k not in ("5xx", "timeouts"))
        lost = f" ({missed} not seen)" if action == "dashboard delay" and missed else ""
        print(f"| {action} | {f'{target:.1f}' if target else '-'} | {rate} | {len(values)}{lost} "
              f"| {percentile(values, 50) * 1000:.1f} | {percentile(values, 99) * 1000:.1f} "
              f"| {err.get('5xx', 0)} | {err.get('timeouts', 0)} | {other_bad} |")
    print("\nscan answers by what was scanned: " + ", ".join(
        f"{kind} {status}{f' ({reason})' if reason else ''}: {n}"
        for (kind, status, reason, _), n in sorted(gates["outcomes"].items(), key=lambda kv: -kv[1])))
    print(f"print at check-in: {gates['desks'].get('jobs', 0)} jobs, {gates['desks'].get('printed', 0)} "
          f"printed by the agents, {gates['desks'].get('no printer job', 0)} without a printer job; "
          f"PDF fetch p99 {percentile(seconds.get('print pdf', []), 99) * 1000:.1f} ms")

    for sample in gates["tally"]["samples"] + other["tally"]["samples"]:
        print(f"unexpected answer: {sample}")
    for line in r["server_log"]:
        print(f"server log: {line}")
    if r["server_log"]:
        print(f"(the server's whole log: {r['log_path']})")

    truth, live = _core(r["recount"]), _core(r["live"])
    screens = [snap for proc in r["watched"] for snap in proc["last"]]
    screens_agree = sum(snap == live for snap in screens)
    # A reread of the code just admitted at the same gate answers ok again, marked repeat, and counts once.
    moved = Counter(way for (_, status, reason, way), n in gates["outcomes"].items() if status == "ok"
                    and reason != "repeat" for _ in range(n))
    admitted, exited = moved["in"], moved["out"]
    clients = (admitted, exited, other["sold"], gates["desks"].get("jobs", 0))
    counted = (truth["totals"][0], truth["totals"][1], truth["totals"][2], truth["totals"][3])
    counts_ok = truth == live and screens_agree == len(screens) and clients == counted
    print(f"\n/counts equals /counts/live: {'yes' if truth == live else 'NO'}; dashboards whose last snapshot "
          f"equals /counts/live: {screens_agree} of {len(screens)}; entries, exits, walk-ins, badges answered to "
          f"the clients {clients} vs recounted {counted}: {'equal' if clients == counted else 'NOT EQUAL'}")
    if truth != live:
        for part in truth:
            if truth[part] != live[part]:
                print(f"  {part}: recount {truth[part]} vs live {live[part]}")

    print("\n| process | CPU s | CPU % of the run | peak RSS MB |")
    print("|---|---:|---:|---:|")
    rows = [("server (gate serve)", r["server"]["cpu"], r["server"]["rss"])]
    rows += [(x["process"], x["cpu"], x["rss"]) for x in r["loads"] + r["watched"]]
    for name, cpu, rss in rows:
        print(f"| {name} | {cpu:.2f} | {100 * cpu / r['elapsed']:.1f} | {rss:.0f} |")

    all_errors = sum(sum(e.values()) for e in errors.values())
    scan_p99 = percentile(seconds.get("scan", []), 99) * 1000
    delay_p99 = percentile(seconds["dashboard delay"], 99) * 1000
    goals = [("zero errors", f"{all_errors}", all_errors == 0),
             ("scan p99 under 50 ms", f"{scan_p99:.1f} ms", scan_p99 < 50),
             ("dashboard delay p99 under 250 ms", f"{delay_p99:.0f} ms", delay_p99 < 250 and not missed),
             ("counts equal to the recount", "equal" if counts_ok else "NOT EQUAL", counts_ok)]
    print("\n| goal | measured | met |")
    print("|---|---:|---|")
    for goal, value, met in goals:
        print(f"| {goal} | {value} | {'yes' if met else 'NO'} |")
    sys.stdout.flush()
    return {"errors": all_errors, "counts_ok": counts_ok, "scan_p99": scan_p99, "delay_p99": delay_p99,
            "scans": len(seconds.get("scan", [])), "delays": len(seconds["dashboard delay"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--screens", type=int, default=DASHBOARDS)
    parser.add_argument("--database-url", help=f"PostgreSQL to run on besides SQLite (default {PG_URL} "
                                               "when it answers); a fresh schema is made in it")
    parser.add_argument("--redis-url", help=f"Redis for the PostgreSQL run (default {REDIS_URL} when it answers)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="run on one database only")
    args = parser.parse_args()
    runs = [("SQLite, in-process Socket.IO", None, None)] if args.only != "postgres" else []
    pg, redis = args.database_url or PG_URL, args.redis_url or REDIS_URL
    if args.only != "sqlite":
        if answers(pg) and answers(redis):
            runs.append(("PostgreSQL + Redis", pg, redis))
        else:
            print(f"PostgreSQL at {pg} or Redis at {redis} does not answer: SQLite only")
    for label, url, redis_url in runs:
        if url:
            with fresh_postgres_schema(url) as schema_url:
                report(rehearse(label, schema_url, redis_url, args.tickets, args.seconds, args.screens))
        else:
            report(rehearse(label, None, None, args.tickets, args.seconds, args.screens))


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    main()
