"""Attachments on the site: adding files without JavaScript and deleting them (editors, from the edit page;
with JavaScript the page uploads through the API instead, static/js/attachments.js), and their bytes.

The bytes, for whoever may see the incident: /incidents/INC-<id>/attachments/<attachment id>/<name>
(``?size=thumbnail``: the smaller copy of a wide image). Anyone else gets the same 404 as for a missing file.
The Content-Type is the one sniffed when the file was added, never guessed from its name; ``nosniff`` stops a
browser second-guessing it, and a sandboxing Content-Security-Policy keeps even a PDF viewer from running
anything. Images and PDFs open in the browser; text files download. Caching is private (a shared cache must
not hand a restricted incident's screenshot to someone else), revalidated by ETag (the content's SHA-256)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_safe
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from incidents import uploads
from incidents.actions.attachments import add_attachment, delete_attachment, may_attach, read_upload
from incidents.forms.attachments import AttachmentForm, default_alt
from incidents.models import Attachment, Incident

from .shortcuts import incident_or_404

INLINE = ("image/", "application/pdf")


def _token_user(request):
    """The user of an API token sent with the request (``Authorization: Token …``, as the API takes it), so that a
    script can fetch the ``url`` the API gave it; None without one. A bad token is no user (the usual 404/redirect)."""
    if not request.headers.get("Authorization", "").startswith("Token "):
        return None
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


@require_safe
def download(request, reference, attachment_id, name=None):
    if not request.user.is_authenticated:
        user = _token_user(request)
        if user is None:
            return redirect_to_login(request.get_full_path())
        request.user = user
    incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
    attachment = incident.attachments.filter(pk=attachment_id).first()
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


def edit_page(incident):
    return f"{reverse('incident-edit', args=[incident.reference])}#attachments"


class AttachmentsView(PermissionRequiredMixin, View):
    """Add files to an incident without JavaScript (the form in the edit page's Attachments section posts here;
    GET shows the same form on a page of its own). Each file is checked and stored on its own: a refused one is
    a form error naming it and the problem, the others are kept. Editors who may see the incident only."""

    permission_required = "incidents.change_incident"
    template_name = "incidents/attachments.html"

    def incident(self):
        incident = incident_or_404(Incident.objects.visible_to(self.request.user), self.kwargs["reference"])
        if not may_attach(self.request.user, incident):
            raise PermissionDenied(_("You may not add files to this incident."))
        return incident

    def get(self, request, reference):
        return self.show(self.incident(), AttachmentForm())

    def post(self, request, reference):
        incident = self.incident()
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.show(incident, form, status=400)
        added = []
        for upload in form.cleaned_data["files"]:
            try:
                data = read_upload(upload)
                added.append(add_attachment(incident, data, name=upload.name, by=request.user,
                                            alt=form.cleaned_data["alt"] or default_alt(upload.name)))
            except uploads.Refused as error:
                form.add_error("files", _("%(name)s: %(problem)s") % {"name": upload.name, "problem": error})
        for attachment in added:
            messages.success(request, _("Added %(name)s: write %(markdown)s where it belongs.") % {
                "name": attachment.name, "markdown": attachment.markdown})
        if form.errors:
            return self.show(incident, form, status=400)
        return redirect(edit_page(incident))

    def show(self, incident, form, status=200):
        return render(self.request, self.template_name, {"incident": incident, "attachment_form": form,
                                                         "attachments": incident.attachments.order_by("id"),
                                                         "max_attachment_bytes": settings.POSTMORTEM_MAX_ATTACHMENT_BYTES},
                      status=status)


class AttachmentDeleteView(AttachmentsView):
    """Delete one attachment (its file goes with it); back to the edit page."""

    http_method_names = ["post"]

    def post(self, request, reference, attachment_id):
        incident = self.incident()
        attachment = get_object_or_404(Attachment, incident=incident, pk=attachment_id)
        delete_attachment(attachment, by=request.user)
        messages.success(request, _("Deleted %(name)s.") % {"name": attachment.name})
        return redirect(edit_page(incident))
