"""PDF from the self-contained HTML, through WeasyPrint."""

from .html import incident_html, pack_html


def html_to_pdf(html):
    """PDF from self-contained HTML. Nothing is fetched: every URL but a data: URI (an attached image,
    incidents.embeds.for_export) is refused."""
    import weasyprint  # imported on first use: it loads pango and fonts
    from PIL import ImageFile

    # weasyprint.images turns this on for every Pillow user in the process; incidents.uploads must still refuse
    # a truncated image uploaded after a PDF was made. The images here are ones it already read whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def pack_pdf(pack):
    return html_to_pdf(pack_html(pack))


def incident_pdf(section, today):
    return html_to_pdf(incident_html(section, today))
