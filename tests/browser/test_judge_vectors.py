"""The shared judge vectors against the browser's judge: static/js/gate-offline.js, as the
server serves it, in real headless Chromium, fed the server's own gate pack for each vector
(format 2, as the gate page asks for it).

Twice: on 127.0.0.1, a secure context where WebCrypto checks signatures, and on a LAN name
over plain HTTP, where crypto.subtle does not exist and the vendored Ed25519 code checks them:
the same verdicts, forged codes refused, on both.
"""
import hashlib
import hmac
import random
import threading

import pytest
from flask_migrate import stamp
from judge_vectors import Case, ServerRecords, load_vectors, outcome, set_up
from judge_vectors import expected as offline_expectation
from werkzeug.serving import make_server

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db
from helpers import Api
from scanner.ticket_codes import barcode_digest

pytestmark = pytest.mark.browser

VECTORS = load_vectors()
RUNNER_PAGE = "/"  # the index: a page of the server's origin without scripts, to import the modules from
WEBCRYPTO_USED = "import('/static/js/signatures.js').then((m) => m.webCryptoWorks())"

JUDGE = """async ({pack, code, direction, at, serial, admission}) => {
  const { GatePack, WrongDirection } = await import("/static/js/gate-offline.js");
  const gate = new GatePack(pack.gate.code);
  await gate.load(pack);
  if (admission) {
    gate.admissions.set(serial, { inside: admission.inside, first_at: new Date(admission.first_at),
                                  first_gate_name: admission.first_gate_name });
  }
  try {
    const answer = await gate.judge(code, direction, new Date(at));
    return { status: answer.status, reason: answer.reason, message: answer.message };
  } catch (err) {
    if (err instanceof WrongDirection) return { error: "wrong_direction" };
    throw err;
  }
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One app for every vector (each has its own event), served on a free loopback port."""
    folder = tmp_path_factory.mktemp("vectors")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'gate.db'}", "SECRET_KEY": "test"})
    app.instance_path = str(folder / "instance")
    with app.app_context():
        db.create_all()
        stamp()
        admin = Api(app.test_client(), create_token("admin"))
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield {"app": app, "admin": admin, "port": http.server_port, "cases": {}}
    http.shutdown()
    with app.app_context():
        db.engine.dispose()


def _runner_page(browser, origin: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{origin}{RUNNER_PAGE}")
    return context, page


@pytest.fixture(scope="module")
def secure_page(browser, server):
    context, page = _runner_page(browser, f"http://127.0.0.1:{server['port']}")
    assert page.evaluate("isSecureContext && !!crypto.subtle")
    assert page.evaluate(WEBCRYPTO_USED) is True
    yield page
    context.close()


@pytest.fixture(scope="module")
def lan_page(lan, server):
    context, page = _runner_page(lan.browser, lan.origin(server["port"]))
    assert page.evaluate("!isSecureContext && crypto.subtle === undefined && crypto.randomUUID === undefined")
    assert page.evaluate(WEBCRYPTO_USED) is False
    yield page
    context.close()


def case_for(server: dict, vector: dict) -> Case:
    """The vector set up on the server once, for both origins."""
    name = vector["name"]
    if name not in server["cases"]:
        slug = f"v{len(server['cases'])}"
        server["cases"][name] = set_up(vector, server["admin"], ServerRecords(server["app"]), slug)
    return server["cases"][name]


def judged_in(page, server: dict, vector: dict) -> dict:
    """The browser judge's verdict for the vector, from the server's gate pack."""
    case = case_for(server, vector)
    pack = server["admin"].get(f"/api/v1/events/{case.slug}/gate-pack?gate={case.scan.gate}&format=2").json
    assert pack["version"] == 2, "the compact pack the gate page asks for"
    admission = case.admission and {"inside": case.admission.inside, "first_at": case.admission.first_at.isoformat(),
                                    "first_gate_name": case.admission.first_gate_name}
    return page.evaluate(JUDGE, {"pack": pack, "code": case.scan.code, "direction": case.scan.direction,
                                 "at": case.scan.at.isoformat(), "serial": case.serial, "admission": admission})


def expected(vector: dict) -> dict:
    """What the browser's judge, working from the gate pack, must say."""
    return vector["expect"] if "error" in vector["expect"] else outcome(offline_expectation(vector, offline=True))


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_browser_judges_as_the_vectors_say(secure_page, server, vector):
    assert judged_in(secure_page, server, vector) == expected(vector)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_browser_judges_alike_over_plain_http(lan_page, server, vector):
    assert judged_in(lan_page, server, vector) == expected(vector)


HASHES = """async ({cases}) => {
  const { sha256 } = await import("/static/vendor/noble-hashes/sha2.js");
  const { hmac } = await import("/static/vendor/noble-hashes/hmac.js");
  const { bytesToHex: hex } = await import("/static/vendor/noble-hashes/utils.js");
  const hmacSha256 = (key, message) => hmac(sha256, key, message);
  const { barcodeDigest } = await import("/static/js/gate-offline.js");
  const bytes = (list) => Uint8Array.from(list);
  return cases.map(({key, message, text}) => [hex(sha256(bytes(message))), hex(hmacSha256(bytes(key), bytes(message))),
                                             barcodeDigest(bytes(key), text)]);
}"""


def test_the_vendored_hashes_match_pythons_without_webcrypto(lan_page):
    """Every padding case of SHA-256 (message lengths around the 56- and 64-byte edges), keys longer
    than a block, and barcode texts beyond ASCII: what the gate page hashes is what the server hashed."""
    rng = random.Random(5)
    cases = [{"key": list(rng.randbytes(k)), "message": list(rng.randbytes(n)),
              "text": "".join(rng.choice("0123456789ABC-É№票") for _ in range(n % 40))}
             for n, k in [(0, 0), (1, 1), (55, 16), (56, 32), (63, 64), (64, 65), (65, 100), (119, 7), (1000, 32)]]
    got = lan_page.evaluate(HASHES, {"cases": cases})
    for case, (digest, mac, barcode) in zip(cases, got, strict=True):
        key, message = bytes(case["key"]), bytes(case["message"])
        assert digest == hashlib.sha256(message).hexdigest()
        assert mac == hmac.new(key, message, hashlib.sha256).hexdigest()
        assert barcode == barcode_digest(key, case["text"])
