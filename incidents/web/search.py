"""Learning from use, the pages: /search/open/<reference>/?q=… (a search result's link: logs that the result
was opened from that search, then redirects to the incident; no JavaScript) and /search/gaps/ (admins only:
the searches that found nothing or after which nothing was opened, each with a link to
/search/gaps/glossary/, a small form prefilled with its words that adds them to the glossary through
incidents.actions.glossary). The log is written through incidents.actions.searchlog after the response is sent."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from incidents import glossary, search
from incidents.actions import glossary as glossary_actions
from incidents.actions import searchlog
from incidents.forms.glossary import GlossaryAdditionForm
from incidents.models import GlossaryEntry, Incident
from incidents.search import usage

from .people import AdminOnlyMixin
from .shortcuts import incident_or_404

DAYS = (7, 30, 90)  # the periods the gaps page offers
DEFAULT_DAYS = 30


class SearchOpenView(LoginRequiredMixin, View):
    """A result opened from the search list: recorded (query → incident), then the incident's page. An
    incident the user may not see is a 404, as on its page; without a query nothing is recorded."""

    def get(self, request, reference):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        response = redirect(incident.get_absolute_url())
        query = request.GET.get("q", "")[:500]
        if query.strip() and "\x00" not in query:
            searchlog.after(response, searchlog.record_open, query, incident, request.user)
        return response


def glossary_form_url(query):
    """The glossary form of this page with the search's words (not its filters) as the first term."""
    parsed = search.parse(query)
    return f"{reverse('search-glossary')}?{urlencode({'term': ' '.join(parsed.words + parsed.phrases) or query})}"


@method_decorator(never_cache, name="dispatch")
class SearchGapsView(AdminOnlyMixin, View):
    template_name = "incidents/search_gaps.html"

    def get(self, request):
        days = request.GET.get("days", "")
        days = int(days) if days.isdigit() and int(days) in DAYS else DEFAULT_DAYS
        rows = [(gap, glossary_form_url(gap.query)) for gap in usage.gaps(min(days, settings.SEARCH_LOG_DAYS))]
        return render(request, self.template_name, {"rows": rows, "days": days, "periods": DAYS,
                                                    "kept": settings.SEARCH_LOG_DAYS})


@method_decorator(never_cache, name="dispatch")
class SearchGlossaryView(AdminOnlyMixin, View):
    """A search's words into the glossary: added to an existing entry, or a new entry (key, category)."""

    template_name = "incidents/search_glossary.html"

    def get(self, request):
        term = request.GET.get("term", "")[:100].strip()
        key = slugify(term)
        initial = {"terms": term, "key": key if key and glossary.KEY_PATTERN.match(key) else ""}
        return render(request, self.template_name, {"form": GlossaryAdditionForm(initial=initial)})

    def post(self, request):
        form = GlossaryAdditionForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        data = form.cleaned_data
        try:
            if data["entry"] is not None:
                added = glossary_actions.add_terms(data["entry"], data["terms"])
                message = (_("Added to %(key)s: %(terms)s. The next search uses them.") % {
                    "key": data["entry"].key, "terms": ", ".join(added)}
                    if added else _("%(key)s already has these terms.") % {"key": data["entry"].key})
            else:
                entry = glossary_actions.save_entry(GlossaryEntry(), key=data["key"], category=data["category"],
                                                    terms=data["terms"])
                message = _("Glossary entry %(key)s added: the next search uses it.") % {"key": entry.key}
        except (ValidationError, IntegrityError) as exc:  # e.g. the same key saved a moment ago by someone else
            form.add_error(None, str(exc))
            return render(request, self.template_name, {"form": form}, status=400)
        messages.success(request, message)
        return redirect("search-gaps")
