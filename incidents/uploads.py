"""What an uploaded attachment is, read from its bytes, and the bytes to keep (pure: no models, no storage).

The type is sniffed from the first bytes, never taken from the file's name or the client's Content-Type:
PNG, JPEG, GIF and WebP images; PDF; plain text (UTF-8 without NUL bytes: log files, command output).
Anything else is refused, HTML and SVG by name (a file renamed ``graph.png`` that holds HTML is still HTML).

Images are decoded with Pillow, refused beyond MAX_PIXELS (a decompression bomb: a small file that decodes to
gigabytes), turned upright from their EXIF orientation and encoded again, which drops EXIF, GPS and every
other metadata chunk; each gets a thumbnail no wider than THUMBNAIL_WIDTH when it is wider.
"""

import contextlib
import hashlib
import io
import os
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

THUMBNAIL_WIDTH = 960  # pixels: the page shows images at most this wide, linking to the full size
TEXT_KEPT = 200_000  # characters of a text attachment kept for search
NAME_LENGTH = 200

IMAGES = {  # Pillow format -> (content type, extension)
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
PDF = ("application/pdf", "pdf")
TEXT = ("text/plain", "txt")
MARKUP = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|svg|head|body|script|iframe)\b",
                    re.IGNORECASE | re.DOTALL)


_TRUNCATED_LOCK = threading.Lock()


class Refused(ValueError):
    """The file is not one this app keeps; ``str()`` says why, for the person who sent it."""


@dataclass
class Prepared:
    data: bytes  # what to store: the re-encoded image, or the file as sent
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None  # None when the image is small enough to show as it is
    text: str = ""  # a text file's content (the first TEXT_KEPT characters), for search

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


def sniff(data):
    """The image format (a key of IMAGES), "PDF", "TEXT", "MARKUP" (HTML or SVG) or None, from the bytes."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"%PDF-"):
        return "PDF"
    text = data.removeprefix(b"\xef\xbb\xbf")
    if MARKUP.match(text[:4096]):
        return "MARKUP"
    if b"\x00" not in text:
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "TEXT"
    return None


def safe_name(name, extension):
    """A file name to show and to offer in downloads: the last path part, no control characters, at most
    NAME_LENGTH characters; ``attachment.<extension>`` when nothing is left."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if not name:
        return f"attachment.{extension}"
    stem, dot, ext = name.rpartition(".")
    if len(name) > NAME_LENGTH:
        name = (stem[:NAME_LENGTH - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:NAME_LENGTH]
    return name


def prepare(data, *, max_pixels):
    """The Prepared attachment for these bytes; raises Refused naming the problem."""
    if not data.strip():
        raise Refused(_("The file is empty."))
    kind = sniff(data)
    if kind == "MARKUP":
        raise Refused(_("HTML and SVG files are not accepted (they could run script); attach a screenshot or a PDF."))
    if kind is None:
        raise Refused(_("Unsupported file type: attach a PNG, JPEG, GIF or WebP image, a PDF or a plain-text file."))
    if kind == "PDF":
        return Prepared(data, *PDF)
    if kind == "TEXT":
        return Prepared(data, *TEXT, text=data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")[:TEXT_KEPT])
    return _image(data, kind, max_pixels)


@contextlib.contextmanager
def _whole_images_only():
    """Pillow refuses truncated image data while this runs. WeasyPrint, once imported, tells Pillow to accept
    truncated images for the whole process (``ImageFile.LOAD_TRUNCATED_IMAGES``), which would let a damaged
    upload through; the switch is process-wide, hence the lock."""
    with _TRUNCATED_LOCK:
        before, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _image(data, kind, max_pixels):
    try:
        with warnings.catch_warnings(), _whole_images_only():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != kind:
                raise Refused(_("The file is damaged: its content does not match its type."))
            width, height = image.size
            if width * height > max_pixels:
                raise Refused(_("The image is %(width)s×%(height)s pixels (%(megapixels).0f megapixels); the limit is "
                                "%(limit).0f megapixels.") % {"width": width, "height": height,
                                                              "megapixels": width * height / 1e6,
                                                              "limit": max_pixels / 1e6})
            image.load()
            frames = getattr(image, "n_frames", 1)
            if frames > 1 and kind in ("GIF", "WEBP"):
                stored = _encode_animated(image, kind)
                still = image.copy()
            else:
                still = ImageOps.exif_transpose(image)
                stored = _encode(still, kind)
    except Refused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refused(_("The image could not be read: %(error)s") % {"error": error}) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise Refused(_("The image is damaged and could not be read (%(error)s).") % {"error": error}) from None
    content_type, extension = IMAGES[kind]
    prepared = Prepared(stored, content_type, extension, still.width, still.height)
    if still.width > THUMBNAIL_WIDTH:
        small = still.copy()
        small.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 10))
        prepared.thumbnail = _encode(small, kind)
    return prepared


def _encode(image, kind):
    """The image encoded again in its own format, without any metadata."""
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    elif kind == "GIF":
        image.save(out, format="GIF")
    elif kind == "WEBP":
        image.save(out, format="WEBP", quality=90)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _encode_animated(image, kind):
    out = io.BytesIO()
    options = {"loop": image.info.get("loop", 0), "duration": image.info.get("duration")}
    image.save(out, format=kind, save_all=True, **{k: v for k, v in options.items() if v is not None})
    return out.getvalue()
