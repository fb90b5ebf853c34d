"""What the viewsets under one incident (/api/v1/incidents/{incident_id}/comments/, …/attachments/) share: the
incident, looked up once per request through the visibility rule (an incident this user may not see is a 404,
as reading it is)."""

from django.shortcuts import get_object_or_404

from incidents.models import Incident


class UnderIncident:
    pagination_class = None
    filter_backends = []

    def incident(self):
        if not hasattr(self, "_incident"):
            visible = Incident.objects.visible_to(self.request.user)
            self._incident = get_object_or_404(visible, pk=self.kwargs["incident_id"])
        return self._incident
