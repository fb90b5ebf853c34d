"""In Chromium (issue #28): a screenshot pasted from the clipboard into a Markdown box of the edit page is
uploaded, its Markdown inserted at the cursor, and once saved the image shows on the incident page and is in
its PDF, in English and in Japanese. Screenshots (1366 px and 390 px wide) go to SCREENSHOT_DIR when set."""

import base64
import io
import os
import subprocess
import tempfile

import pytest
from PIL import Image, ImageDraw

from incidents.models import Attachment, Incident
from tests.browser import test_browser
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
browser = test_browser.browser

PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const clipboard = new DataTransfer();
  clipboard.items.add(new File([bytes], name, { type: "image/png" }));
  const box = document.querySelector("#id_summary");
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  return box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
}"""


def graph_png():
    """A wide dashboard-like graph (wider than the page shows it: the page gets its smaller copy)."""
    image = Image.new("RGB", (1400, 420), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, 1400, 100):
        draw.line([(x, 0), (x, 420)], fill=(225, 228, 232))
    points = [(x, 330 - (250 if 600 < x < 760 else 0) - (x * 7) % 40) for x in range(0, 1400, 10)]
    draw.line(points, fill=(11, 87, 208), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def shoot(page, name):
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/{name}.png", full_page=True)


def pdf_images(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        listing = subprocess.run(["pdfimages", "-list", pdf.name], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines()[2:] if line.strip()]  # below the two header lines


def test_a_pasted_screenshot_shows_on_the_page_and_in_the_pdf_in_both_languages(browser, live_server):
    UserFactory(username="writer", role="editor")
    page = test_browser.signed_in(browser, live_server, "writer", "pw")
    refused = test_browser.csp_violations(page)
    data = graph_png()
    pdfs = {}
    try:
        for language, title in (("en", "Checkout latency spike"), ("ja", "決済 API のレイテンシ急上昇")):
            incident = IncidentFactory(title=title, status="published", summary="p99 latency over 2 s:\n\n")
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(f"{live_server.url}/incidents/{incident.reference}/edit/")
            if page.locator("html").get_attribute("lang") != language:
                with page.expect_navigation():
                    page.select_option("#language-select", language)
            assert page.evaluate(PASTE, [data, "image.png"]) is False  # the page took the paste over
            page.wait_for_function("() => /!\\[image\\]\\(attachment:\\d+\\)/.test(document.querySelector('#id_summary').value)")
            attachment = Attachment.objects.get(incident=incident)
            markdown = f"![image](attachment:{attachment.pk})"
            assert page.input_value("#id_summary").endswith(markdown)
            caret = page.evaluate("() => [document.activeElement.id, document.activeElement.selectionStart, "
                                  "document.activeElement.selectionEnd, document.activeElement.value.length]")
            assert caret[0] == "id_summary" and caret[1] == caret[2] == caret[3]  # typing goes on after it
            assert page.locator("#attachments .attachment-edit-list code").inner_text() == markdown
            status = page.locator(".field-summary .attach-status")
            assert status.inner_text() == {"en": "Added image.png.", "ja": "image.png を添付しました。"}[language]
            shoot(page, f"attachments-edit-{language}-1366")
            with page.expect_navigation():
                page.click("button.primary[value=save]")

            assert page.url == f"{live_server.url}/incidents/{incident.reference}/"
            image = page.locator("#summary a.attachment-image img")
            image.wait_for()
            page.wait_for_function("() => document.querySelector('#summary a.attachment-image img').complete")
            assert image.evaluate("img => img.naturalWidth") == 960  # the smaller copy, linking to the full size
            assert image.evaluate("img => img.getBoundingClientRect().width") <= 960
            assert page.locator("#attachments img.attachment-thumb").evaluate("img => img.naturalWidth") > 0
            shoot(page, f"attachments-page-{language}-1366")
            page.set_viewport_size({"width": 390, "height": 844})
            width = image.evaluate("img => img.getBoundingClientRect().width")
            assert 0 < width <= 390 and page.evaluate("document.documentElement.scrollWidth") <= 390
            shoot(page, f"attachments-page-{language}-390")
            page.goto(f"{live_server.url}/incidents/{incident.reference}/edit/")
            shoot(page, f"attachments-edit-{language}-390")

            pdf = page.request.get(f"{live_server.url}/incidents/{incident.reference}/export.pdf")
            assert pdf.ok and pdf.body().startswith(b"%PDF")
            pdfs[language] = pdf_images(pdf.body())
        assert Incident.objects.get(title__startswith="決済").summary.endswith(
            f"![image](attachment:{Attachment.objects.order_by('pk').last().pk})")
        assert refused == []
        # Last, so that a PDF without its image does not hide how the pages did.
        assert all(pdfs.values()), f"a PDF has no image: {pdfs}"
    finally:
        page.context.close()


def test_a_refused_file_says_why_beside_the_box(browser, live_server):
    UserFactory(username="writer", role="editor")
    page = test_browser.signed_in(browser, live_server, "writer", "pw")  # in Japanese
    try:
        incident = IncidentFactory(status="published")
        page.goto(f"{live_server.url}/incidents/{incident.reference}/edit/")
        page.evaluate(PASTE.replace("image/png", "text/html"), [base64.b64encode(b"<svg onload=alert(1)>").decode(), "x.png"])
        status = page.locator(".field-summary .attach-status.error")
        status.wait_for()
        assert status.inner_text() == ("x.png を添付できませんでした：HTML と SVG のファイルは受け付けません"
                                       "（スクリプトを実行できるため）。スクリーンショットか PDF を添付してください。")
        assert page.input_value("#id_summary") == ""  # the placeholder is gone
        assert not Attachment.objects.exists()
    finally:
        page.context.close()
