"""The /pair link a pairing code travels in, and its QR code."""
import socket
from urllib.parse import quote

import segno


def pair_url(base: str, code: str) -> str:
    """The page a device opens to pair, with the code filled in."""
    return f"{base.rstrip('/')}/pair?code={quote(code)}"


def qr(url: str) -> segno.QRCode:
    """The link as a QR code; medium error correction survives a glare on a screen."""
    return segno.make_qr(url, error="m")  # never a Micro QR, which phone cameras do not read


def qr_data_uri(url: str) -> str:
    """The QR code as an SVG data URI, for an <img> on the dashboard."""
    return qr(url).svg_data_uri(scale=6, border=2)


def lan_base_url(port: int = 5000) -> str:
    """This machine's address on its network, as a tablet beside it would reach `gate serve`."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
    except OSError:
        address = "127.0.0.1"
    return f"http://{address}:{port}"
