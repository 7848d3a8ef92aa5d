"""Headers on every page and answer: no referrer, only the service's own scripts, never in a frame.

`Referrer-Policy: no-referrer`: a screen opened with `?token=…` must not hand
its token to whatever it loads or links to. The Content-Security-Policy
allows scripts, styles, fonts and connections (Socket.IO included) from the
service itself only; images may also be `data:` (pairing QR codes) and
`blob:` (badge previews), and frames `blob:` (the badge desk prints a PDF it
fetched through a hidden frame). `'wasm-unsafe-eval'` lets a page compile
WebAssembly (whose bytes, like its scripts, can only come from the service):
the gate reads camera frames with the vendored zxing-wasm where the browser has
no BarcodeDetector. It does not allow eval() of text. No inline script or style attribute runs,
so the pages set styles through the DOM, and the API docs page loads Swagger
UI with a script file of its own (pages.docs). `X-Frame-Options: DENY` (and
`frame-ancestors 'none'`) keep every screen out of other sites' frames.
"""
from flask import Flask, Response

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "frame-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = (("Referrer-Policy", "no-referrer"), ("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY"),
           ("X-Content-Type-Options", "nosniff"))


def init_headers(app: Flask) -> None:
    """Send the headers with every response the app makes (Socket.IO's own path excepted)."""

    @app.after_request
    def _protect(response: Response) -> Response:
        for name, value in HEADERS:
            response.headers.setdefault(name, value)
        return response
