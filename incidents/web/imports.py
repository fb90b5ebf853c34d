"""The import page for editors: upload Markdown write-ups (or zips of them), see what a dry run would do,
then import them with one more click. The files are kept server-side between the two steps (PendingImport)
so they are not uploaded twice; only the user who uploaded them can confirm, once."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views import View

from incidents.actions.pending_imports import keep_upload, take_upload
from incidents.forms.imports import ImportForm
from incidents.imports.bundles import BundleFile
from incidents.imports.files import Source
from incidents.actions.imports import IMPORTED, UPDATED, import_sources
from incidents.models import PendingImport

TEMPLATE = "incidents/import.html"
EDITOR = ("incidents.add_incident", "incidents.change_incident")
OPEN_OUTLINES = 5  # a preview of at most this many files shows every file's outline unfolded


class ImportView(PermissionRequiredMixin, View):
    """GET: the upload form. POST: a dry run of the uploads, shown with an Import button when anything
    would be imported or updated (the files are then kept as a PendingImport)."""

    permission_required = EDITOR

    def get(self, request):
        return render(request, TEMPLATE, {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, TEMPLATE, {"form": form})
        sources, status, time_zone = (form.cleaned_data[key] for key in ("files", "status", "time_zone"))
        report = import_sources(sources, user=request.user, status=status or None, dry_run=True,
                                time_zone=time_zone or None, review_gate=True)
        pending = None
        if report.counts[IMPORTED] or report.counts[UPDATED]:
            pending = keep_upload(request.user, [(source.name, source.data, source.files) for source in sources],
                                  status=status, time_zone=time_zone)
        return render(request, TEMPLATE, {"form": form, "report": report, "pending": pending,
                                          "outline_open": len(report.files) <= OPEN_OUTLINES})


class ConfirmImportView(PermissionRequiredMixin, View):
    """Import a pending upload of one's own (anyone else's, or one already imported, is a 404) and show
    what was done, with links to the incidents."""

    permission_required = EDITOR
    http_method_names = ["post"]

    def post(self, request, pk):
        pending = get_object_or_404(PendingImport, pk=pk, user=request.user)
        if not take_upload(pending):  # confirmed by a request just before
            raise Http404(_("This upload was imported already."))
        sources = [Source(name, data, [BundleFile(**file) for file in files])
                   for (name, data), files in zip(pending.contents(), pending.bundle_files())]
        report = import_sources(sources, user=request.user, status=pending.status or None,
                                time_zone=pending.time_zone or None, review_gate=True)
        return render(request, TEMPLATE, {"form": ImportForm(), "report": report})
