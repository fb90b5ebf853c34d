"""File downloads: a meeting's pack or one incident, rendered in the request, or a meeting's pack prepared
in the background (export jobs) with a page to wait on and a download. Each file holding a restricted
incident is in the audit log (incidents.actions.exports)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext as _
from django.views import View

from incidents import export
from incidents.actions import exports
from incidents.models import ExportJob, Incident, Retrospective

from .shortcuts import incident_or_404


class RetrospectiveExportView(LoginRequiredMixin, View):
    """The meeting's pack as a file; incidents the reader may not see are left out of it."""

    def get(self, request, pk, fmt):
        meeting = get_object_or_404(Retrospective, pk=pk)
        try:
            return exports.meeting_file(meeting, request.user, fmt, via="page").response()
        except export.UnknownFormat:
            raise Http404(_("Unknown format.")) from None


class IncidentExportView(LoginRequiredMixin, View):
    """One write-up as a file; ``?tz=UTC`` (any IANA name) gives its times in that zone."""

    def get(self, request, reference, fmt):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        try:
            zone = export.time_zone_named(request.GET.get("tz", ""))
            return exports.incident_file(incident, request.user, fmt, via="page", time_zone=zone).response()
        except export.UnknownFormat:
            raise Http404(_("Unknown format.")) from None
        except export.UnknownTimeZone as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


class ExportRequestView(LoginRequiredMixin, View):
    """Ask for a meeting's pack to be prepared in the background; then wait on the job's page."""

    http_method_names = ["post"]

    def post(self, request, pk):
        meeting = get_object_or_404(Retrospective, pk=pk)
        try:
            with transaction.atomic():  # the file is made after the commit, by a worker or the background thread
                job = exports.request_export(meeting, request.user, request.POST.get("format", "pdf"),
                                             language=get_language())
        except export.UnknownFormat:
            raise Http404(_("Unknown format.")) from None
        return redirect(job)


class ExportJobMixin(LoginRequiredMixin):
    def job(self):
        """The job, only for the user who asked for it (or a superuser): anyone else gets a 404."""
        jobs = ExportJob.objects.select_related("retrospective")
        if not self.request.user.is_superuser:
            jobs = jobs.filter(requested_by=self.request.user)
        return get_object_or_404(jobs, pk=self.kwargs["pk"])


class ExportJobView(ExportJobMixin, View):
    """Waiting (the page reloads itself every 2 seconds), a download link, or the error and a retry."""

    def get(self, request, pk):
        return render(request, "retrospectives/export_job.html", {"job": self.job()})


class ExportDownloadView(ExportJobMixin, View):
    def get(self, request, pk):
        job = self.job()
        if job.status != ExportJob.Status.DONE:
            raise Http404(_("The file is not ready."))
        try:
            handle = job.path.open("rb")
        except FileNotFoundError:
            raise Http404(_("The file is no longer kept: prepare it again.")) from None
        exports.downloaded(job, request.user)
        return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=export.FORMATS[job.format])
