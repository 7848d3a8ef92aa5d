"""What checking a code's signature costs the browser gate, in headless Chromium.

The page's check (static/js/signatures.js) on 127.0.0.1, a secure context where WebCrypto
does it, and the vendored noble-ed25519 there and on a LAN name over plain HTTP (no
crypto.subtle), where it is the only check. Each row verifies one code body (11 bytes) and
its signature: the first call, then --rounds rounds of --checks calls; prints the median ms
per check as a markdown table.

    .venv/bin/python bench/code_signatures.py [--rounds 5] [--checks 200]
"""
import argparse
import logging
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checkin import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--host-resolver-rules=MAP gate.lan 127.0.0.1"]

TIME = """async ({key, signature, message, rounds, checks, vendored}) => {
  const m = await import("/static/js/signatures.js");
  const bytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
  const [k, s, msg] = [bytes(key), bytes(signature), bytes(message)];
  let t = performance.now();
  const check = vendored ? async (a, b) => m.verifyVendored(k, a, b) : await m.verifier(k);
  if (!(await check(s, msg))) throw new Error("a good signature was refused");
  const first = performance.now() - t;
  const perCheck = [];
  for (let r = 0; r < rounds; r++) {
    t = performance.now();
    for (let i = 0; i < checks; i++) await check(s, msg);
    perCheck.push((performance.now() - t) / checks);
  }
  return { first, perCheck, webCrypto: await m.webCryptoWorks() };
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the table

    private = Ed25519PrivateKey.generate()
    body = bytes([1, 0, 0, 0, 7, 0, 0, 11, 184, 0, 1])
    sample = {"key": private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
              "signature": private.sign(body).hex(), "message": body.hex(),
              "rounds": args.rounds, "checks": args.checks}

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gate-bench-") as tmp, sync_playwright() as pw:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/gate.db", "SECRET_KEY": "bench"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_port
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        rows = [("127.0.0.1 (secure)", f"http://127.0.0.1:{port}", False),
                ("127.0.0.1 (secure)", f"http://127.0.0.1:{port}", True),
                ("gate.lan (plain HTTP)", f"http://gate.lan:{port}", False),
                ("gate.lan (plain HTTP)", f"http://gate.lan:{port}", True)]
        print("| origin | check | first call ms | ms per check (median) |")
        print("|---|---|---:|---:|")
        for origin, url, vendored in rows:
            page = browser.new_page()
            page.goto(f"{url}/")
            result = page.evaluate(TIME, {**sample, "vendored": vendored})
            page.close()
            used = "vendored" if vendored else f"page's ({'WebCrypto' if result['webCrypto'] else 'vendored'})"
            print(f"| {origin} | {used} | {result['first']:.1f} | {statistics.median(result['perCheck']):.3f} |")
        browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
