"""Real printer software for the print agent's tests: a private CUPS with a cups-pdf queue, an IPP
Everywhere printer (ippeveprinter), a raw TCP label port, and the service served on loopback.

Each runs on a free loopback port in a temporary folder and is stopped by its process id afterwards.
ippeveprinter needs a DNS-SD daemon: a private D-Bus bus with Avahi limited to the loopback
interface is started for it when none answers.
"""
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from werkzeug.serving import make_server

import scanner

HAVE_CUPS = all(shutil.which(c) for c in ("cupsd", "lpadmin", "cupsdisable", "cupsenable", "pdftoppm"))
HAVE_IPPEVE = all(shutil.which(c) for c in ("ippeveprinter", "dbus-daemon", "avahi-daemon"))
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} stopped at start (exit {process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class Cups:
    """A cupsd of its own (its own config, spool and port) with one cups-pdf queue."""

    def __init__(self, root: Path, queue: str = "badges"):
        self.root, self.queue, self.port = root, queue, free_port()
        self.started = time.time()
        self.server = f"127.0.0.1:{self.port}"
        for d in ("spool", "tmp", "cache", "state", "log", "ppd"):
            (root / d).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)  # filters run as lp and write their temporary files here
        root.chmod(0o755)
        (root / "cups-files.conf").write_text("\n".join([
            f"ServerRoot {root}", f"RequestRoot {root}/spool", f"TempDir {root}/tmp", f"CacheDir {root}/cache",
            f"StateDir {root}/state", f"ErrorLog {root}/log/error_log", f"AccessLog {root}/log/access_log",
            f"PageLog {root}/log/page_log", ""]))
        (root / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\nLogLevel info\nWebInterface No\nBrowsing No\nDefaultAuthType None\n"
            "<Location />\nOrder allow,deny\nAllow all\n</Location>\n"
            "<Policy default>\n<Limit All>\nOrder allow,deny\nAllow all\n</Limit>\n</Policy>\n")
        self.process = subprocess.Popen(["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s",
                                         str(root / "cups-files.conf")], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.port, self.process, "cupsd")
        self.run("lpadmin", "-p", queue, "-E", "-v", "cups-pdf:/", "-m", CUPS_PDF_PPD)

    def run(self, command: str, *args: str) -> None:
        subprocess.run([command, "-h", self.server, *args], check=True, capture_output=True, timeout=30)

    @staticmethod
    def outbox() -> Path:
        return Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"  # cups-pdf's Out: the printing user's ~/PDF

    def output(self, title: str) -> Path | None:
        """The PDF cups-pdf wrote for a job named `title`."""
        found = sorted(self.outbox().glob(f"{title}*.pdf")) if self.outbox().is_dir() else []
        return found[0] if found else None

    def close(self) -> None:
        stop(self.process)
        for made in self.outbox().glob("gate-*.pdf") if self.outbox().is_dir() else ():
            if made.stat().st_mtime >= self.started:  # what this server's jobs wrote
                made.unlink(missing_ok=True)


class Avahi:
    """A private D-Bus bus with Avahi on the loopback interface only, for ippeveprinter's DNS-SD."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.address = f"unix:path={root}/bus"
        (root / "bus.conf").write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n<busconfig><type>system</type>'
            f'<listen>{self.address}</listen><auth>EXTERNAL</auth><policy context="default"><allow user="*"/>'
            '<allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>\n')
        (root / "avahi.conf").write_text("[server]\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=lo\n"
                                         "enable-dbus=yes\n[publish]\npublish-addresses=no\npublish-hinfo=no\n"
                                         "publish-workstation=no\n")
        self.bus = subprocess.Popen(["dbus-daemon", "--config-file", str(root / "bus.conf"), "--nofork"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(50):
            if (root / "bus").exists():
                break
            time.sleep(0.1)
        self.env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.address}
        self.daemon = subprocess.Popen(["avahi-daemon", "-f", str(root / "avahi.conf"), "--no-chroot",
                                        "--no-drop-root", "--no-rlimits"], env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(1.0)
        if self.daemon.poll() is not None:  # one Avahi per machine: another one's pid file stops this one
            why = self.daemon.stderr.read().decode(errors="replace")[-500:]
            stop(self.bus)
            raise RuntimeError(f"avahi-daemon did not start: {why}")
        self.daemon.stderr.close()

    def close(self) -> None:
        stop(self.daemon)
        stop(self.bus)


class IppEve:
    """ippeveprinter on loopback, keeping every document it is sent in its spool folder."""

    def __init__(self, root: Path, env: dict, formats: str = "application/pdf"):
        self.spool, self.port = root, free_port()
        root.mkdir(parents=True, exist_ok=True)
        self.uri = f"ipp://localhost:{self.port}/ipp/print"
        self.process = subprocess.Popen(
            ["ippeveprinter", "-n", "localhost", "-p", str(self.port), "-d", str(root), "-k", "-s", "6000",
             "-f", formats, "Badge Printer"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.port, self.process, "ippeveprinter")

    def documents(self, name: str) -> list[Path]:
        """The documents received for a job named `name` (ippeveprinter files them as ID-NAME.EXT)."""
        return sorted(p for p in self.spool.iterdir() if p.stem.split("-", 1)[-1] == name)

    def close(self) -> None:
        stop(self.process)


class RawPort:
    """A TCP port that takes whatever a label printer would be sent, one connection per label job."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                if chunks:  # a connection with nothing sent is the agent looking whether it answers
                    self.received.append(b"".join(chunks))

    def close(self) -> None:
        self.sock.close()


@contextmanager
def served(app):
    """The app on a free loopback port, threaded, in this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def qr_texts_of_pdf(pdf: Path, tmp: Path) -> list[str]:
    """Rasterise a printed PDF with pdftoppm and read its QR codes."""
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(pdf), str(tmp / "page")], check=True, timeout=60)
    texts = []
    for page in sorted(tmp.glob("page*.png")):
        texts += scanner.decode(cv2.imread(str(page), cv2.IMREAD_GRAYSCALE))
    return texts


def qr_texts_of_pwg(raster: Path, tmp: Path) -> list[str]:
    """PWG raster turned into PDF by CUPS's own rastertopdf filter, then read as a printed PDF."""
    done = subprocess.run(["/usr/lib/cups/filter/rastertopdf", "1", "gate", "badge", "1", "", str(raster)],
                          capture_output=True, check=True, timeout=60)
    (tmp / "raster.pdf").write_bytes(done.stdout)
    return qr_texts_of_pdf(tmp / "raster.pdf", tmp)


def qr_texts_of_image(image) -> list[str]:
    """QR codes in a PIL image (1-bit label graphics): padded with a quiet zone and read."""
    grey = np.array(image.convert("L"))
    return scanner.decode(np.pad(grey, 40, constant_values=255))
