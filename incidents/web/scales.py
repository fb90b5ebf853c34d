"""/settings/severities/ (admins only): the severity scale in order with its colours, a level added, changed or
removed (incidents.actions.scales), and a preview of the badges and of the incident form's choice.
/severities.css: the badge colours of the scale as a stylesheet (the CSP allows no inline styles), linked from
every page and embedded in the exports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from incidents.actions.scales import LevelConflict, LevelInUse, create_level, delete_level, update_level
from incidents.forms.incident import severity_field
from incidents.forms.scales import SeverityLevelForm
from incidents.models import SeverityLevel, current_scale

from .people import AdminOnlyMixin


@require_safe
def stylesheet(request):
    """The scale's badge rules. Its ETag is the rules' hash; base.html links it with ``?v=<that hash>`` so a
    page after a change asks for the new rules, and a browser may keep each version a day."""
    scale = current_scale()
    etag = f'"{scale.etag()}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(scale.stylesheet(), content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400" if request.GET.get("v") == scale.etag() else "no-cache"
    return response


def _preview():
    """The incident form's severity choice as it looks now (not submitted anywhere)."""
    field = severity_field()
    field.widget.attrs.update({"disabled": True, "id": "severity-preview"})
    return field.widget.render("severity-preview", field.initial)


@method_decorator(never_cache, name="dispatch")
class SeverityListView(AdminOnlyMixin, View):
    template_name = "settings/severities.html"

    def get(self, request, form=None, status=200):
        levels = list(SeverityLevel.objects.ordered())
        usage = SeverityLevel.objects.usage()
        for level in levels:
            level.in_use = usage.get(level.key, 0)
        next_order = max((level.order for level in levels), default=0) + 1
        return render(request, self.template_name, {
            "levels": levels, "form": form or SeverityLevelForm(initial={"order": next_order}),
            "preview": _preview()}, status=status)

    def post(self, request):
        form = SeverityLevelForm(request.POST)
        if form.is_valid():
            try:
                level = create_level(key=form.cleaned_data["key"], **form.fields_of(form.cleaned_data))
            except ValidationError as exc:
                form.add_errors(exc)
            else:
                messages.success(request, _("%(level)s was added to the severity scale.") % {"level": level.label})
                return redirect("settings-severities")
        return self.get(request, form=form, status=400)


@method_decorator(never_cache, name="dispatch")
class SeverityEditView(AdminOnlyMixin, View):
    template_name = "settings/severity_edit.html"

    def get(self, request, key, form=None, status=200, refused=""):
        level = get_object_or_404(SeverityLevel, key=key)
        count = SeverityLevel.objects.usage().get(level.key, 0)
        return render(request, self.template_name, {
            "level": level, "form": form or SeverityLevelForm(level=level), "in_use": count, "refused": refused,
            "levels": SeverityLevel.objects.ordered(), "preview": _preview()}, status=status)

    def post(self, request, key):
        level = get_object_or_404(SeverityLevel, key=key)
        if request.POST.get("action") == "delete":
            return self._delete(request, level)
        form = SeverityLevelForm(request.POST, level=level)
        if form.is_valid():
            try:
                level = update_level(level, version=form.cleaned_data["version"], **form.fields_of(form.cleaned_data))
            except LevelConflict as conflict:
                form.add_error(None, str(conflict))
            except ValidationError as exc:
                form.add_errors(exc)
            else:
                messages.success(request, _("%(level)s was saved.") % {"level": level.label})
                return redirect("settings-severities")
        return self.get(request, key, form=form, status=409 if form.has_error("__all__") else 400)

    def _delete(self, request, level):
        version = request.POST.get("version", "")
        try:
            delete_level(level, version=int(version) if version.isdigit() else None)
        except (LevelInUse, LevelConflict) as refused:
            return self.get(request, level.key, status=409, refused=str(refused))
        messages.success(request, _("%(level)s was removed from the severity scale.") % {"level": level.label})
        return redirect("settings-severities")
