"""The bytes of an attachment, for whoever may see its incident: /incidents/INC-<id>/attachments/<attachment id>/<name>
(``?size=thumbnail``: the smaller copy of a wide image). Anyone else gets the same 404 as for a missing file.

The Content-Type is the one sniffed when the file was added, never guessed from its name; ``nosniff`` stops a
browser second-guessing it, and a sandboxing Content-Security-Policy keeps even a PDF viewer from running
anything. Images and PDFs open in the browser; text files download. Caching is private (a shared cache must
not hand a restricted incident's screenshot to someone else), revalidated by ETag (the content's SHA-256)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from incidents.models import REFERENCE_PATTERN, Attachment

INLINE = ("image/", "application/pdf")


@login_required
@require_safe
def download(request, reference, attachment_id, name=None):
    match = REFERENCE_PATTERN.match(reference)
    number = int(match.group(1)) if match else None
    attachment = Attachment.objects.visible_to(request.user).filter(incident_id=number, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    thumbnail = request.GET.get("size") == "thumbnail" and bool(attachment.thumbnail)
    etag = f'"{attachment.sha256}{"-t" if thumbnail else ""}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
               "Cross-Origin-Resource-Policy": "same-origin"}
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        stored = attachment.thumbnail if thumbnail else attachment.file
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            raise Http404("The file of this attachment is missing.") from None
        response = FileResponse(handle, content_type=attachment.content_type)
        inline = attachment.content_type.startswith(INLINE)
        response["Content-Disposition"] = content_disposition_header(not inline, attachment.name)
        if attachment.content_type == "text/plain":
            response["Content-Type"] = "text/plain; charset=utf-8"
    for header, value in headers.items():
        response[header] = value
    return response
