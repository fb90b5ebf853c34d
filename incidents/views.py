from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from . import charts, patterns
from .models import Incident


class PatternsView(LoginRequiredMixin, TemplateView):
    template_name = "incidents/patterns.html"

    def get_context_data(self, **kwargs):
        found = patterns.patterns(Incident.objects.visible_to(self.request.user))
        sections = [
            ("tags", "Tags", found.tags),
            ("services", "Services", found.services),
            ("categories", "Factor categories", found.categories),
        ]
        return super().get_context_data(
            patterns=found,
            sections=[{"key": key, "title": title, "rows": rows, "chart": charts.heatmap(rows, found.quarters)}
                      for key, title, rows in sections],
            **kwargs,
        )
