"""Admin pages for incident types (/settings/types/): the list with a form for a new type, and a type's page
(its names, sections and custom fields, with a preview of the edit page's fields). Writes go through
incidents.actions.types; a stale version is a form error asking to reload, never a lost edit."""

from django import forms as django_forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from incidents.actions import types as actions
from incidents.forms import fields as custom_fields
from incidents.forms import types as forms
from incidents.models import IncidentType

from .people import AdminOnlyMixin


@method_decorator(never_cache, name="dispatch")
class TypeListView(AdminOnlyMixin, View):
    template_name = "settings/types.html"

    def get(self, request, form=None):
        types = IncidentType.objects.annotate(incident_count=Count("incidents", distinct=True),
                                              field_count=Count("custom_fields", distinct=True))
        return render(request, self.template_name, {"types": types, "form": form or forms.NewTypeForm()},
                      status=400 if form is not None else 200)

    def post(self, request):
        form = forms.NewTypeForm(request.POST)
        if not form.is_valid():
            return self.get(request, form)
        try:
            created = actions.save_type(IncidentType(), dict(form.cleaned_data), by=request.user)
        except actions.TypeInvalid as invalid:
            for path, problems in invalid.errors.items():
                for message in problems:
                    form.add_error(path if path in form.fields else None, message)
            return self.get(request, form)
        messages.success(request, _("Created the incident type %(name)s.") % {"name": created.name})
        return redirect("settings-type", key=created.key)


@method_decorator(never_cache, name="dispatch")
class TypeEditView(AdminOnlyMixin, View):
    template_name = "settings/type_edit.html"

    def get_type(self, key):
        found = IncidentType.objects.prefetch_related("custom_fields").filter(key=key).first()
        if found is None:
            raise Http404(_("No incident type with this key."))
        return found

    def get(self, request, key):
        incident_type = self.get_type(key)
        form_initial, sections, fields = forms.initial(incident_type)
        return self.render(incident_type, forms.TypeForm(initial=form_initial),
                           forms.SectionFormSet(prefix="sections", initial=sections),
                           forms.FieldFormSet(prefix="fields", initial=fields))

    def post(self, request, key):
        incident_type = self.get_type(key)
        _form_initial, section_rows, field_rows = forms.initial(incident_type)
        form = forms.TypeForm(request.POST)
        sections = forms.SectionFormSet(request.POST, prefix="sections", initial=section_rows)
        fields = forms.FieldFormSet(request.POST, prefix="fields", initial=field_rows)
        if not (form.is_valid() and sections.is_valid() and fields.is_valid()):
            return self.render(incident_type, form, sections, fields, status=400)
        data = {name: form.cleaned_data[name] for name in ("name_ja", "name_en")}
        if form.cleaned_data["order"] is not None:
            data["order"] = form.cleaned_data["order"]
        data |= {"sections": sections.rows(), "fields": fields.rows()}
        try:
            actions.save_type(incident_type, data, expected_version=form.cleaned_data["version"], by=request.user)
        except actions.TypeConflict:
            form.add_error(None, _("Someone else changed this incident type after you opened it. Nothing was saved: "
                                   "reload the page to see their version, then make your change again."))
            return self.render(incident_type, form, sections, fields, status=409)
        except actions.TypeInvalid as invalid:
            forms.show_errors(form, sections, fields, invalid.errors)
            return self.render(incident_type, form, sections, fields, status=400)
        messages.success(request, _("Saved the incident type %(name)s.") % {"name": incident_type.name})
        return redirect(reverse("settings-type", kwargs={"key": incident_type.key}))

    def render(self, incident_type, form, sections, fields, status=200):
        return render(self.request, self.template_name, {
            "incident_type": incident_type, "form": form, "sections": sections, "fields": fields,
            "preview": preview(incident_type), "incident_count": incident_type.incidents.count(),
        }, status=status)


def preview(incident_type):
    """The edit page's custom fields and section headings for this type as stored: (form, [(key, heading, prompt)])."""
    form = django_forms.Form(prefix="preview")
    for definition in incident_type.active_fields():
        form.fields[custom_fields.PREFIX + definition.key] = custom_fields.form_field(definition)
    return form, incident_type.page_sections()
