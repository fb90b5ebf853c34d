"""Learning from use, the pages: /search/open/<reference>/?q=… (a search result's link: logs that the result
was opened from that search, then redirects to the incident; no JavaScript) and /search/gaps/ (admins only:
the searches that found nothing or after which nothing was opened, each with a link to the glossary entry
form prefilled). The log is written through incidents.actions.searchlog after the response is sent."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views import View
from django.views.decorators.cache import never_cache

from incidents import glossary, search
from incidents.actions import searchlog
from incidents.models import Incident
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
    """The admin's new glossary entry form with the search's words as its first term (and, for a Latin
    query, a key made of them)."""
    parsed = search.parse(query)
    term = " ".join(parsed.words + parsed.phrases) or query
    initial = {"terms": term}
    key = slugify(term)
    if key and glossary.KEY_PATTERN.match(key):
        initial["key"] = key
    return f"{reverse('admin:incidents_glossaryentry_add')}?{urlencode(initial)}"


@method_decorator(never_cache, name="dispatch")
class SearchGapsView(AdminOnlyMixin, View):
    template_name = "incidents/search_gaps.html"

    def get(self, request):
        days = request.GET.get("days", "")
        days = int(days) if days.isdigit() and int(days) in DAYS else DEFAULT_DAYS
        rows = [(gap, glossary_form_url(gap.query)) for gap in usage.gaps(min(days, settings.SEARCH_LOG_DAYS))]
        return render(request, self.template_name, {"rows": rows, "days": days, "periods": DAYS,
                                                    "kept": settings.SEARCH_LOG_DAYS})
