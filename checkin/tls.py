"""The certificate `gate serve --https` serves with: the user's own, or one made once and kept.

Browsers give the camera only to secure pages (https, or localhost), so a
tablet on the venue's LAN needs TLS to scan with its camera. Without a
certificate of the user's, the service makes a self-signed one in the
instance folder, naming localhost, 127.0.0.1, this machine's hostname and its
LAN addresses, and keeps it: a tablet that accepted it once is not asked
again after a restart. The browser still warns the first time; its SHA-256
fingerprint, printed at start, is what the user compares.
"""
import array
import ipaddress
import os
import socket
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 397  # the longest validity browsers accept for a server certificate
RENEW_BEFORE = timedelta(days=1)  # a certificate this close to its end is made again at start
_SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address


class CertificateError(Exception):
    """A certificate or key that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Certificate:
    """The files to serve with, what the certificate names, and what happened at start."""

    cert_path: Path
    key_path: Path
    fingerprint: str  # SHA-256 of the certificate, colon-separated hex as browsers show it
    names: list[str]  # DNS names and IP addresses it is valid for
    not_after: datetime
    news: str  # one line for the user: made now (and why), or kept


def own_certificate(cert_file: str, key_file: str) -> Certificate:
    """The user's certificate and key, checked to be readable and to belong together."""
    cert = _read_cert(Path(cert_file))
    key = _read_key(Path(key_file))
    if _public(cert.public_key()) != _public(key.public_key()):
        raise CertificateError(f"{key_file}: this key does not belong to the certificate {cert_file}")
    return _described(cert, Path(cert_file), Path(key_file), f"Using the certificate {cert_file}")


def instance_certificate(folder: str) -> Certificate:
    """The self-signed certificate kept in the instance folder, made when missing or (nearly) expired."""
    tls = Path(folder) / "tls"
    cert_path, key_path = tls / "cert.pem", tls / "key.pem"
    why = None
    if not cert_path.exists() or not key_path.exists():
        why = "none was kept yet"
    else:
        try:
            cert, key = _read_cert(cert_path), _read_key(key_path)
        except CertificateError as unusable:
            why = f"the kept one cannot be used ({unusable})"
        else:
            if _public(cert.public_key()) != _public(key.public_key()):
                why = "the kept key does not belong to the kept certificate"
            elif cert.not_valid_after_utc - RENEW_BEFORE <= datetime.now(timezone.utc):
                why = f"the kept one expired {cert.not_valid_after_utc:%Y-%m-%d}"
    if why is None:
        return _described(cert, cert_path, key_path, f"Using the certificate kept in {cert_path}")
    cert = _make(tls, cert_path, key_path)
    return _described(cert, cert_path, key_path, f"Made a new self-signed certificate ({why}): {cert_path}")


def missing_names(certificate: Certificate, addresses: list[str]) -> list[str]:
    """The given addresses the certificate does not name (an address that changed since it was made)."""
    return [a for a in addresses if a not in certificate.names]


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, read from its interfaces (no network traffic)."""
    import fcntl  # POSIX only; the certificate is made where gunicorn runs

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _index, name in socket.if_nameindex():
            request = array.array("B", struct.pack("256s", name.encode()[:15]))
            try:
                fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
            except OSError:  # an interface without an IPv4 address, or not Linux
                continue
            address = ipaddress.ip_address(bytes(request[20:24]))
            if not (address.is_loopback or address.is_link_local or str(address) in found):
                found.append(str(address))
    return found


def _make(tls: Path, cert_path: Path, key_path: Path) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    names = list(dict.fromkeys(["localhost", host, f"{host}.local"]))
    addresses = ["127.0.0.1", "::1", *lan_addresses()]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"gate check-in on {host}"[:64])])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names] +
                                                       [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    try:
        tls.mkdir(parents=True, exist_ok=True)
        _write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()), 0o600)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    except OSError as error:
        raise CertificateError(f"{tls}: cannot keep a certificate there ({error.strerror})") from None
    return cert


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write a file whole under its final mode (the key is never readable by others, not even briefly)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have taken bits away; the mode is meant exactly
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def _read_cert(path: Path) -> x509.Certificate:
    data = _read(path, "certificate")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError(f"{path}: not a PEM certificate") from None


def _read_key(path: Path):
    data = _read(path, "key")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertificateError(f"{path}: the key is protected by a password; give an unencrypted key") from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateError(f"{path}: not a PEM private key") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CertificateError(f"{path}: cannot read the {what} ({error.strerror})") from None


def _public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _described(cert: x509.Certificate, cert_path: Path, key_path: Path, news: str) -> Certificate:
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in alt.get_values_for_type(x509.DNSName)] + \
                [str(a) for a in alt.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    fingerprint = ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
    return Certificate(cert_path, key_path, fingerprint, names, cert.not_valid_after_utc, news)
