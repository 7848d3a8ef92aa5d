"""What a printer is sent: its connection parsed, the media check, and the badge in its own language.

No Flask and no database here: the print agent, beside the printers, uses
this module as the server does when a printer is set up.

- `pdf`: the job's PDF as it was logged, to a CUPS queue or an IPP printer.
- `zpl`: ZPL II for Zebra-class printers, each page drawn as one `^GFA`
  graphic at the printer's dpi (the same layout, pixel for pixel).
- `brother_ql`: Brother QL raster made by the `brother_ql` package from
  the page as a 1-bit image at the printer's dpi.
- PWG raster (`image/pwg-raster`) for an IPP Everywhere printer that does
  not take PDF: each page as 8-bit grey at the printer's dpi.
"""
import re
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

import badges

MEDIA_TOLERANCE_MM = 1.0  # a page this close to the media's size fits it
PT_PER_MM = 72 / 25.4
_QUEUE = re.compile(r"^[A-Za-z0-9_.-]{1,127}$")  # what CUPS allows in a queue name
BROTHER_DEFAULTS = {"model": "QL-820NWB", "label": "62"}


@dataclass(frozen=True)
class Connection:
    """How a printer is reached: kind is cups, ipp or tcp."""

    kind: str
    target: str  # the queue name, the IPP URL, or host:port
    host: str = ""
    port: int = 0


def parse_connection(text: str) -> Connection:
    """`cups:QUEUE`, `ipp://…`/`ipps://…`, or `tcp://HOST:PORT`; ValueError says what is wrong."""
    if text.startswith("cups:"):
        queue = text[5:]
        if not _QUEUE.match(queue):
            raise ValueError("a CUPS queue name is 1 to 127 letters, digits, '_', '.' or '-'")
        return Connection("cups", queue)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("not a valid URL") from None
    if parts.scheme in ("ipp", "ipps"):
        if not parts.hostname:
            raise ValueError("an IPP URL needs a host, as ipp://host:631/ipp/print")
        return Connection("ipp", text, parts.hostname, port or 631)
    if parts.scheme == "tcp":
        if not parts.hostname or port is None or parts.path not in ("", "/"):
            raise ValueError("a raw connection is tcp://HOST:PORT, as tcp://10.0.0.7:9100")
        return Connection("tcp", f"{parts.hostname}:{port}", parts.hostname, port)
    raise ValueError("use cups:QUEUE, ipp://HOST/PATH, ipps://HOST/PATH or tcp://HOST:PORT")


def check_language(connection: Connection, language: str) -> None:
    """PDF needs a spooler that renders it (CUPS or IPP); ZPL and Brother raster go anywhere."""
    if language == "pdf" and connection.kind == "tcp":
        raise ValueError("a raw TCP printer cannot print PDF: use zpl or brother_ql, or a CUPS queue")


def check_brother_options(options: dict) -> dict:
    """The Brother model and label, defaults filled in; ValueError names what is unknown."""
    from brother_ql.labels import ALL_LABELS
    from brother_ql.models import ALL_MODELS

    chosen = {**BROTHER_DEFAULTS, **options}
    if set(chosen) - set(BROTHER_DEFAULTS):
        raise ValueError(f"brother_ql takes only {sorted(BROTHER_DEFAULTS)}")
    if chosen["model"] not in {m.identifier for m in ALL_MODELS}:
        raise ValueError(f"unknown Brother QL model {chosen['model']!r}")
    if chosen["label"] not in {label.identifier for label in ALL_LABELS}:
        raise ValueError(f"unknown Brother QL label {chosen['label']!r}")
    return chosen


def media_size_mm(media: str) -> tuple[float, float]:
    """The paper a page profile is printed on, in mm."""
    profile = badges.PAGES[media]
    return profile.width, profile.height


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    """Each distinct page size of a PDF, in mm."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        sizes = {tuple(round(v / PT_PER_MM, 1) for v in document.get_page_size(i)) for i in range(len(document))}
    finally:
        document.close()
    return sorted(sizes)


def fits_media(pdf: bytes, media: str) -> str | None:
    """None if every page is the media's size (either way round); else what does not fit."""
    width, height = media_size_mm(media)
    for w, h in page_sizes_mm(pdf):
        if not any(abs(w - a) <= MEDIA_TOLERANCE_MM and abs(h - b) <= MEDIA_TOLERANCE_MM
                   for a, b in ((width, height), (height, width))):
            return f"pages are {w:g}x{h:g} mm but the printer holds {media} ({width:g}x{height:g} mm)"
    return None


def page_images(pdf: bytes, dpi: float, fit: tuple[int, int] | None = None, across: int | None = None) -> list:
    """Each page as a 1-bit PIL image: at `dpi`, scaled into a `fit` (width, height) box centred on
    white, or `across` pixels wide with its long side running down (an endless label roll).

    Drawn without anti-aliasing, as badges.png does, so QR modules stay sharp.
    """
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(pdf)
    images = []
    try:
        for page in document:
            width, height = page.get_size()
            turn = 90 if across is not None and width > height else 0
            if turn:
                width, height = height, width
            scale = (dpi / 72 if fit is None and across is None else across / width if across is not None
                     else min(fit[0] / width, fit[1] / height))
            bitmap = page.render(scale=scale, rotation=turn, grayscale=True, no_smoothtext=True,
                                 no_smoothpath=True, no_smoothimage=True)
            image = bitmap.to_pil().convert("L").crop((0, 0, round(width * scale), round(height * scale)))
            if fit is not None:
                box = Image.new("L", fit, 255)
                box.paste(image, ((fit[0] - image.width) // 2, (fit[1] - image.height) // 2))
                image = box
            images.append(image.convert("1"))
    finally:
        document.close()
    return images


def to_zpl(pdf: bytes, dpi: int) -> bytes:
    """ZPL II: one label per page, each the page drawn as a ^GFA graphic (black = 1)."""
    labels = []
    for image in page_images(pdf, dpi):
        width, height = image.size
        row_bytes = (width + 7) // 8
        # PIL packs 1-bit rows MSB first with 1 = white; ZPL wants 1 = black.
        data = bytes(b ^ 0xFF for b in image.tobytes())
        labels.append(f"^XA^PW{width}^LL{height}^LH0,0^FO0,0^GFA,{len(data)},{len(data)},{row_bytes},"
                      f"{data.hex().upper()}^FS^XZ")
    return "\n".join(labels).encode("ascii")


def to_brother_ql(pdf: bytes, options: dict) -> bytes:
    """Brother QL raster for every page, made by the `brother_ql` package.

    Each page is drawn straight at the label's printable size in dots (the
    width of an endless roll, or the die-cut label's box), so the package has
    nothing to resample.
    """
    from brother_ql.conversion import convert
    from brother_ql.labels import FormFactor, LabelsManager
    from brother_ql.raster import BrotherQLRaster

    chosen = check_brother_options(options)
    label = LabelsManager()[chosen["label"]]
    dots_wide, dots_long = label.dots_printable
    if label.form_factor == FormFactor.ENDLESS:
        images = page_images(pdf, 300, across=dots_wide)
    else:
        images = page_images(pdf, 300, fit=(dots_wide, dots_long))
    raster = BrotherQLRaster(chosen["model"])
    raster.exception_on_warning = False
    return convert(raster, [image.convert("L") for image in images], chosen["label"], dither=False,
                   rotate=0, cut=True)


def to_pwg_raster(pdf: bytes, dpi: int) -> bytes:
    """PWG Raster (PWG 5102.4): "RaS2", then per page a 1796-byte header and its lines, sgray 8 bits.

    Lines are coded as the format asks: a count of repeats of the line, then
    runs of one pixel value (count - 1, value); literal runs are not needed.
    """
    pages = page_images(pdf, dpi)
    out = [b"RaS2"]
    for image in pages:
        grey = image.convert("L")
        width, height = grey.size
        out.append(_pwg_header(width, height, dpi, len(pages)))
        rows = [grey.tobytes()[y * width:(y + 1) * width] for y in range(height)]
        y = 0
        while y < height:
            repeat = 1
            while y + repeat < height and repeat < 256 and rows[y + repeat] == rows[y]:
                repeat += 1
            out.append(bytes([repeat - 1]) + _pwg_line(rows[y]))
            y += repeat
    return b"".join(out)


def _pwg_line(row: bytes) -> bytes:
    coded = bytearray()
    x = 0
    while x < len(row):
        run = 1
        while x + run < len(row) and run < 128 and row[x + run] == row[x]:
            run += 1
        coded += bytes([run - 1, row[x]])
        x += run
    return bytes(coded)


def _pwg_header(width: int, height: int, dpi: int, total: int) -> bytes:
    header = bytearray(1796)
    header[0:9] = b"PwgRaster"
    put = lambda offset, *values: struct.pack_into(f">{len(values)}I", header, offset, *values)  # noqa: E731
    put(276, dpi, dpi)  # HWResolution
    put(340, 1)  # NumCopies
    put(352, round(width * 72 / dpi), round(height * 72 / dpi))  # PageSize in points
    put(372, width, height, 0, 8, 8, width)  # width, height, media type, bits per colour and pixel, bytes per line
    put(396, 0, 18)  # chunky pixels, sgray
    put(420, 1)  # cupsNumColors
    put(452, total, 1, 1)  # TotalPageCount, CrossFeedTransform, FeedTransform
    return bytes(header)


def render_for(language: str, pdf: bytes, dpi: int, options: dict | None = None,
               formats: tuple[str, ...] = ()) -> tuple[bytes, str]:
    """The bytes a printer of `language` takes, and their MIME type (PWG raster for a printer without PDF)."""
    if language == "zpl":
        return to_zpl(pdf, dpi), "application/octet-stream"
    if language == "brother_ql":
        return to_brother_ql(pdf, options or {}), "application/octet-stream"
    if formats and "application/pdf" not in formats and "image/pwg-raster" in formats:
        return to_pwg_raster(pdf, dpi), "image/pwg-raster"
    return pdf, "application/pdf"
