"""What an uploaded attachment is (incidents.uploads), without the database: the type from the bytes, images
cleaned of metadata and given a thumbnail, bombs and markup refused with a message naming the problem."""

import io

import pytest
from PIL import Image

from incidents import uploads

LIMIT = 40_000_000


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 30, 30), **save):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def exif_jpeg():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 0.0)}  # GPS IFD: latitude
    return image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
                                               ("WEBP", "image/webp")])
def test_images_are_known_by_their_bytes(fmt, content_type):
    prepared = uploads.prepare(image_bytes(fmt), max_pixels=LIMIT)
    assert (prepared.content_type, prepared.width, prepared.height) == (content_type, 40, 30)
    assert prepared.is_image and prepared.thumbnail is None


def test_exif_and_gps_are_dropped_and_the_photo_is_turned_upright():
    original = exif_jpeg()
    assert b"SpyCam" in original
    prepared = uploads.prepare(original, max_pixels=LIMIT)
    assert b"SpyCam" not in prepared.data and not Image.open(io.BytesIO(prepared.data)).getexif()
    assert (prepared.width, prepared.height) == (20, 40)  # rotated by its orientation before the tag went


def test_a_wide_image_gets_a_thumbnail():
    prepared = uploads.prepare(image_bytes(size=(3000, 1000)), max_pixels=LIMIT)
    thumbnail = Image.open(io.BytesIO(prepared.thumbnail))
    assert thumbnail.size == (uploads.THUMBNAIL_WIDTH, 320) and (prepared.width, prepared.height) == (3000, 1000)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = image_bytes(size=(10_000, 5_000), color=(0, 0, 0))  # 50 megapixels, a few kilobytes
    assert len(bomb) < 200_000
    with pytest.raises(uploads.Refused, match=r"10000×5000 pixels \(50 megapixels\); the limit is 40 megapixels"):
        uploads.prepare(bomb, max_pixels=LIMIT)


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"  <html><body onload=alert(1)>",
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
])
def test_html_and_svg_are_refused_whatever_the_name(data):
    with pytest.raises(uploads.Refused, match="HTML and SVG files are not accepted"):
        uploads.prepare(data, max_pixels=LIMIT)


def test_a_damaged_image_is_refused_naming_the_problem():
    with pytest.raises(uploads.Refused, match="damaged|could not be read"):
        uploads.prepare(image_bytes()[:60], max_pixels=LIMIT)


def test_unknown_binary_is_refused():
    with pytest.raises(uploads.Refused, match="Unsupported file type"):
        uploads.prepare(b"PK\x03\x04\x00\x00binary zip", max_pixels=LIMIT)


def test_text_and_pdf_are_kept_as_sent():
    log = "2024-03-01T10:00:00Z fork: Resource temporarily unavailable\nエラー: pid 枯渇\n".encode()
    text = uploads.prepare(log, max_pixels=LIMIT)
    assert (text.content_type, text.data, text.text.splitlines()[1]) == ("text/plain", log, "エラー: pid 枯渇")
    pdf = uploads.prepare(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", max_pixels=LIMIT)
    assert (pdf.content_type, pdf.extension, pdf.is_image) == ("application/pdf", "pdf", False)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\me\\graph.png", "graph.png"), ("", "attachment.png"),
    ("a\x00b\u202e.png", "ab.png"), ("x" * 300 + ".png", "x" * 196 + ".png"),
])
def test_names_are_made_safe(name, expected):
    assert uploads.safe_name(name, "png") == expected


def test_a_damaged_image_is_refused_even_when_pillow_was_told_to_accept_truncated_images(monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    with pytest.raises(uploads.Refused, match="damaged|could not be read"):
        uploads.prepare(image_bytes(size=(400, 300))[:200], max_pixels=LIMIT)
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as it was


@pytest.mark.parametrize("data", [b"", b"  \n\n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(uploads.Refused, match="^The file is empty.$"):
        uploads.prepare(data, max_pixels=LIMIT)
