"""What the page views share."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident


def incident_or_404(incidents, reference):
    """The incident of ``incidents`` named by ``INC-42`` or ``42``; a 404 when it is not among them."""
    try:
        return incidents.by_reference(reference)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident, or you may not see it.")) from None
