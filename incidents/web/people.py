"""/people/ (admins only): everyone with their role, email, last sign-in and status; invite by email, change
a role, deactivate and reactivate (incidents.actions.people). /people/audit/: the audit log.
/accounts/invite/<uid>/<token>/: an invited person chooses their password (once, within 7 days)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView, redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from incidents import roles
from incidents.actions import audit, people, sign_in
from incidents.models import AuditEntry, Retrospective

ROLE_CHOICES = [(roles.VIEWER, pgettext_lazy("role", "viewer")), (roles.EDITOR, pgettext_lazy("role", "editor")),
                (roles.ADMIN, pgettext_lazy("role", "admin"))]
ACTIONS = {
    audit.INVITED: gettext_lazy("invited"), audit.INVITE_ACCEPTED: gettext_lazy("invite accepted"),
    audit.ROLE_CHANGED: gettext_lazy("role changed"), audit.DEACTIVATED: gettext_lazy("deactivated"),
    audit.REACTIVATED: gettext_lazy("reactivated"), audit.REINVITED: gettext_lazy("invite sent again"),
    audit.USER_CREATED: gettext_lazy("user created in the admin site"),
    audit.SUPERUSER_GRANTED: gettext_lazy("made a superuser"),
    audit.SUPERUSER_REVOKED: gettext_lazy("no longer a superuser"),
    audit.VISIBILITY_CHANGED: gettext_lazy("visibility changed"),
    audit.MEMBERS_CHANGED: gettext_lazy("members changed"),
    audit.EXPORTED: gettext_lazy("restricted incident exported"),
    audit.DOWNLOADED: gettext_lazy("restricted incident downloaded"),
    audit.PERMISSIONS_CHANGED: gettext_lazy("groups or permissions changed in the admin site"),
    audit.USER_DELETED: gettext_lazy("user deleted in the admin site"),
    sign_in.CREATED: gettext_lazy("account made at the first single sign-on"),
    sign_in.LINKED: gettext_lazy("account linked to single sign-on"),
}
VISIBILITIES = {"internal": pgettext_lazy("visibility", "internal"),
                "restricted": pgettext_lazy("visibility", "restricted")}
FORMATS = {"md": "Markdown", "html": "HTML", "pdf": "PDF"}
VIA = {"page": gettext_lazy("%(format)s file from the web page"),
       "api": gettext_lazy("%(format)s file through the API"),
       "command": gettext_lazy("%(format)s file from the export_retrospective command")}


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES, initial=roles.VIEWER)


class AdminOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


@method_decorator(never_cache, name="dispatch")
class PeopleView(AdminOnlyMixin, View):
    template_name = "people/list.html"

    def get(self, request, form=None, invite_url=None):
        users = get_user_model().objects.prefetch_related("groups").order_by("username")
        rows = [{"user": u, "role": roles.role_of(u), "invited": people.is_invited(u)}
                for u in users]
        return render(request, self.template_name, {
            "rows": rows, "form": form or InviteForm(), "invite_url": invite_url, "role_choices": ROLE_CHOICES,
            "sso": settings.OIDC})

    def post(self, request):
        action = request.POST.get("action")
        if action == "invite":
            return self._invite(request)
        user = get_object_or_404(get_user_model(), username=request.POST.get("username", ""))
        try:
            if action == "role":
                changed = people.change_role(request.user, user, request.POST.get("role", ""))
                message = _("%(name)s is now %(role)s.") % {"name": user.get_username(),
                                                             "role": dict(ROLE_CHOICES)[roles.role_of(user)]}
            elif action == "reinvite":
                url = people.reinvite(request.user, user, site_url=request.build_absolute_uri("/"))
                messages.success(request, _("A new invite link for %(name)s was emailed to them.") % {
                    "name": user.get_username()})
                return self.get(request, invite_url=url)
            elif action in ("deactivate", "reactivate"):
                changed = people.set_active(request.user, user, action == "reactivate")
                message = (_("%(name)s was reactivated.") if action == "reactivate"
                           else _("%(name)s was deactivated: their sessions and API token no longer work.")) % {
                    "name": user.get_username()}
            else:
                return HttpResponseBadRequest(_("Unknown action."))
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("people")
        if changed:
            messages.success(request, message)
        return redirect("people")

    def _invite(self, request):
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                user, url = people.invite(request.user, form.cleaned_data["email"], form.cleaned_data["role"],
                                          site_url=request.build_absolute_uri("/"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("%(email)s was invited as %(name)s; the link was emailed to them.") % {
                    "email": user.email, "name": user.get_username()})
                return self.get(request, invite_url=url)
        return self.get(request, form=form)


def _access(details):
    parts = []
    if details.get("old") != details.get("new"):
        parts.append("%s → %s" % (VISIBILITIES.get(details.get("old"), details.get("old")),
                                   VISIBILITIES.get(details.get("new"), details.get("new"))))
    if details.get("added"):
        parts.append(_("members added: %(names)s") % {"names": ", ".join(details["added"])})
    if details.get("removed"):
        parts.append(_("members removed: %(names)s") % {"names": ", ".join(details["removed"])})
    return "; ".join(parts)


def _file(details, meetings):
    fmt = FORMATS.get(details.get("format"), details.get("format"))
    if "job" in details:
        parts = [_("%(format)s file prepared in the background (export job %(job)s)") % {
            "format": fmt, "job": details["job"]}]
    else:
        parts = [(VIA.get(details.get("via")) or gettext_lazy("%(format)s file")) % {"format": fmt}]
    if "retrospective" in details:
        meeting = meetings.get(details["retrospective"])
        parts.append(_("in the pack of the meeting “%(title)s”") % {"title": meeting.title} if meeting
                     else _("in the pack of a meeting since deleted"))
    return "; ".join(parts)


def describe(entry, meetings):
    """The details of an entry in words, for the actions that have more than old and new values; None for the
    others (the page lists their details as they are)."""
    if entry.action in (audit.VISIBILITY_CHANGED, audit.MEMBERS_CHANGED):
        return _access(entry.details)
    if entry.action in (audit.EXPORTED, audit.DOWNLOADED):
        return _file(entry.details, meetings)
    return None


class AuditView(AdminOnlyMixin, View):
    template_name = "people/audit.html"

    def get(self, request):
        page = Paginator(AuditEntry.objects.select_related("incident"), 50).get_page(request.GET.get("page"))
        meetings = Retrospective.objects.in_bulk([entry.details["retrospective"] for entry in page.object_list
                                                  if isinstance(entry.details.get("retrospective"), int)])
        rows = [(entry, ACTIONS.get(entry.action, entry.action), describe(entry, meetings))
                for entry in page.object_list]
        return render(request, self.template_name, {"page": page, "rows": rows})


class InviteAcceptView(PasswordResetConfirmView):
    """Django's set-password view with the invite tokens: the token leaves the URL for the session first."""

    token_generator = people.invite_tokens
    template_name = "people/invite.html"
    success_url = reverse_lazy("login")
    reset_url_token = "set-password"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None  # a deactivated person's link is void

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sso": settings.OIDC}

    def form_valid(self, form):
        if settings.OIDC and settings.OIDC["only"]:  # no passwords here: the page offers single sign-on only
            raise PermissionDenied
        people.accept_invite(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your password was set: sign in with your user name %(name)s.") % {
            "name": form.user.get_username()})
        return redirect(self.success_url)
