"""incidents.actions.people and .audit: invite, role, deactivation, each audited; the invite token."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import roles
from incidents.actions import audit, housekeeping, people
from incidents.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user):
    return user("admin", email="admin@example.com", first_name="Ada")


def test_invite_makes_a_user_without_a_password_emails_the_link_and_audits(
        admin, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        invited, url = people.invite(admin, " new.person@example.com ", "editor", site_url="https://pm.example/")
    assert invited.username == "new.person" and invited.email == "new.person@example.com"
    assert not invited.has_usable_password() and invited.is_active and roles.role_of(invited) == "editor"
    assert url.startswith("https://pm.example/accounts/invite/") and url.endswith("/")
    assert [m.to for m in mailoutbox] == [["new.person@example.com"]]
    assert mailoutbox[0].subject == "Your invitation to Postmortem" and url in mailoutbox[0].body
    assert "Ada invited you to Postmortem" in mailoutbox[0].body
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_name, entry.action, entry.target_user, entry.details) == (
        admin, "admin", "user_invited", invited, {"email": "new.person@example.com", "role": "editor"})


def test_invite_refuses_an_existing_email_and_an_unknown_role(admin, user):
    user("viewer", username="ann", email="Ann@example.com")
    with pytest.raises(ValidationError) as caught:
        people.invite(admin, "ann@EXAMPLE.com", "viewer")
    assert caught.value.message_dict == {"email": ["A user with the email address ann@EXAMPLE.com already exists."]}
    with pytest.raises(ValidationError) as caught:
        people.invite(admin, "bob@example.com", "owner")
    assert caught.value.message_dict == {"role": ["Unknown role “owner”: choose one of viewer, editor, admin."]}
    assert not AuditEntry.objects.exists() and get_user_model().objects.count() == 2


def test_invite_picks_a_free_user_name(admin, user):
    user("viewer", username="ann", email="ann@other.example")
    invited, _url = people.invite(admin, "ann@example.com", "viewer")
    assert invited.username == "ann2"


def test_change_role_replaces_the_group_sets_staff_and_audits(admin, viewer):
    assert people.change_role(admin, viewer, "admin") is True
    viewer.refresh_from_db()
    assert [g.name for g in viewer.groups.all()] == ["admin"] and viewer.is_staff and roles.is_admin(viewer)
    assert people.change_role(admin, viewer, "admin") is False  # no change, no entry
    people.change_role(admin, viewer, "viewer")
    viewer.refresh_from_db()
    assert not viewer.is_staff and roles.role_of(viewer) == "viewer"
    assert [(e.action, e.details) for e in AuditEntry.objects.all()] == [
        ("role_changed", {"old": "admin", "new": "viewer"}), ("role_changed", {"old": "viewer", "new": "admin"})]


def test_an_admin_cannot_demote_or_deactivate_themselves(admin):
    with pytest.raises(ValidationError) as caught:
        people.change_role(admin, admin, "viewer")
    assert caught.value.message_dict == {"role": ["You cannot change your own role."]}
    with pytest.raises(ValidationError) as caught:
        people.set_active(admin, admin, False)
    assert caught.value.message_dict == {"is_active": ["You cannot deactivate yourself."]}
    admin.refresh_from_db()
    assert admin.is_active and roles.role_of(admin) == "admin" and not AuditEntry.objects.exists()


def test_deactivate_and_reactivate_are_audited(admin, editor):
    assert people.set_active(admin, editor, False) is True
    assert people.set_active(admin, editor, False) is False
    editor.refresh_from_db()
    assert not editor.is_active
    assert people.set_active(admin, editor, True) is True
    assert [e.action for e in AuditEntry.objects.all()] == ["user_reactivated", "user_deactivated"]


def test_update_changes_both_or_neither(admin, viewer, monkeypatch):
    people.update(admin, viewer, role="admin", is_active=False)
    viewer.refresh_from_db()
    assert roles.role_of(viewer) == "admin" and not viewer.is_active

    def refuse(*args):
        raise ValidationError({"is_active": "no"})

    monkeypatch.setattr(people, "set_active", refuse)
    with pytest.raises(ValidationError):
        people.update(admin, viewer, role="editor", is_active=True)
    viewer.refresh_from_db()
    assert roles.role_of(viewer) == "admin"  # the role change was rolled back with the refused one
    assert AuditEntry.objects.count() == 2


def test_invite_token_lasts_seven_days_and_works_once(admin, monkeypatch):
    invited, _url = people.invite(admin, "new@example.com", "viewer")
    token = people.invite_tokens.make_token(invited)
    assert people.invite_tokens.check_token(invited, token)
    now = datetime.datetime.now()
    monkeypatch.setattr(people.invite_tokens, "_now", lambda: now + datetime.timedelta(days=6, hours=23))
    assert people.invite_tokens.check_token(invited, token)  # beyond PASSWORD_RESET_TIMEOUT's 3 days
    monkeypatch.setattr(people.invite_tokens, "_now", lambda: now + datetime.timedelta(days=7, minutes=1))
    assert not people.invite_tokens.check_token(invited, token)
    monkeypatch.undo()
    invited.set_password("a new secret 123")
    invited.save()
    assert not people.invite_tokens.check_token(invited, token)  # used once: the password changed


def test_a_password_reset_token_is_no_invite(admin):
    from django.contrib.auth.tokens import default_token_generator

    invited, _url = people.invite(admin, "new@example.com", "viewer")
    assert not people.invite_tokens.check_token(invited, default_token_generator.make_token(invited))


def test_record_keeps_names_and_accepts_any_details(admin, make_incident):
    incident = make_incident()
    entry = audit.record(admin, "incident_exported", incident=incident, format="pdf")
    assert (entry.actor_name, entry.target_name, entry.incident, entry.details) == (
        "admin", "", incident, {"format": "pdf"})
    system = audit.record(None, "visibility_changed", incident=incident, old="internal", new="restricted")
    assert system.actor is None and system.actor_name == ""


def test_the_sweep_keeps_entries_a_year(admin):
    now = timezone.now()
    young, old = audit.record(admin, "role_changed"), audit.record(admin, "role_changed")
    AuditEntry.objects.filter(pk=young.pk).update(at=now - datetime.timedelta(days=364))
    AuditEntry.objects.filter(pk=old.pk).update(at=now - datetime.timedelta(days=366))
    assert housekeeping.sweep(now)["audit"] == 1
    assert list(AuditEntry.objects.all()) == [young]


def test_a_superusers_role_is_not_changed_here(admin, user):
    root = user(username="root")
    root.is_superuser = True
    root.save()
    with pytest.raises(ValidationError) as caught:
        people.change_role(admin, root, "viewer")
    assert caught.value.message_dict == {
        "role": ["root is a superuser: they have every permission whatever their role."]}


def test_user_names_keep_only_what_django_allows(admin):
    invited, _url = people.invite(admin, "o'brien!#x@example.com", "viewer")
    assert invited.username == "obrienx"


def test_reinvite_only_while_waiting(admin, editor, django_capture_on_commit_callbacks, mailoutbox):
    invited, _first = people.invite(admin, "kim@example.com", "viewer", site_url="https://pm.example")
    with django_capture_on_commit_callbacks(execute=True):
        url = people.reinvite(admin, invited, site_url="https://pm.example")
    assert url.startswith("https://pm.example/accounts/invite/") and url in mailoutbox[-1].body
    assert AuditEntry.objects.first().action == "user_reinvited"
    with pytest.raises(ValidationError) as caught:
        people.reinvite(admin, editor)
    assert caught.value.message_dict == {"username": ["editor is not waiting for an invite."]}
