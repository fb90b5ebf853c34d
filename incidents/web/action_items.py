"""The action items of every incident the user may see on one page: what a retrospective checks on."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.utils import timezone
from django.views.generic import TemplateView

from incidents.filters import ActionItemFilter
from incidents.models import ActionItem


class ActionItemListView(LoginRequiredMixin, TemplateView):
    """Unfinished items (or those the filters ask for), overdue first, then by due date."""

    template_name = "incidents/action_item_list.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        visible = ActionItem.objects.visible_to(self.request.user)
        filterset = ActionItemFilter(self.request.GET, queryset=visible, request=self.request)
        items = filterset.qs if filterset.is_valid() else visible.none()
        items = items.overdue_first(today).select_related("incident", "github").prefetch_related("incident__tags")
        page_number = self.request.GET.get("page", "1")
        page = Paginator(items, self.page_size).get_page(int(page_number) if page_number.isdigit() else 1)
        params = self.request.GET.copy()
        params.pop("page", None)
        owners = visible.exclude(owner="").order_by("owner").values_list("owner", flat=True).distinct()
        return super().get_context_data(filter=filterset, page=page, today=today, params=params.urlencode(),
                                        owners=list(owners), **kwargs)
