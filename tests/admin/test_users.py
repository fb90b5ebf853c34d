"""The admin site's user pages (incidents/admin/users.py, saved by incidents.actions.people.save_from_admin): a
role (role group), deactivation and superuser status changed there are in the audit log as on /people/."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from incidents import roles
from incidents.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_as, user):
    return client_as(user("admin", is_staff=True))


def change_data(client, user):
    """What the user's change page posts back as shown."""
    form = client.get(reverse("admin:auth_user_change", args=[user.pk])).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "password" or value is None:
            continue
        if name in ("groups", "user_permissions"):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif hasattr(value, "strftime"):
            local = value.astimezone()
            data[name + "_0"], data[name + "_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        else:
            data[name] = value
    return data


def save(client, user, **changes):
    data = change_data(client, user) | changes
    for name in [name for name, value in changes.items() if value is False]:
        data.pop(name)  # an unticked box is not sent
    response = client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()


def entries():
    return [(e.actor_name, e.action, e.target_name, e.details) for e in AuditEntry.objects.order_by("pk")]


def test_role_status_and_superuser_changed_in_the_admin_are_audited_like_on_people(admin_client, viewer):
    editor = Group.objects.get(name="editor")
    save(admin_client, viewer, groups=[editor.pk])
    assert roles.role_of(viewer) == "editor"
    save(admin_client, viewer, is_active=False)
    save(admin_client, viewer, is_active="on", is_superuser="on")
    save(admin_client, viewer, is_superuser=False, first_name="Vee")  # and a change that is not audited
    save(admin_client, viewer)  # nothing changed
    assert entries() == [
        ("admin", "role_changed", "viewer", {"old": "viewer", "new": "editor"}),
        ("admin", "user_deactivated", "viewer", {}),
        ("admin", "superuser_granted", "viewer", {}),
        ("admin", "user_reactivated", "viewer", {}),
        ("admin", "superuser_revoked", "viewer", {}),
    ]
    assert viewer.first_name == "Vee" and viewer.is_active and not viewer.is_superuser


def test_a_user_added_in_the_admin_is_audited(admin_client):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "newcomer", "password1": "a long pass phrase 42", "password2": "a long pass phrase 42",
        "usable_password": "true"})
    assert response.status_code == 302
    assert entries() == [("admin", "user_created", "newcomer", {"role": ""})]


def test_what_an_admin_reads(admin_client, api_as, viewer):
    save(admin_client, viewer, groups=[Group.objects.get(name="editor").pk], is_superuser="on")
    answer = api_as(viewer).get("/api/v1/audit/").json()  # a superuser now
    assert [(e["actor"], e["action"], e["target_user"], e["details"]) for e in answer["results"]] == [
        ("admin", "superuser_granted", "viewer", {}),
        ("admin", "role_changed", "viewer", {"old": "viewer", "new": "editor"}),
    ]
    page = admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = [re.sub(r"\s+", " ", row).strip() for row in re.findall(r"<tr>\s*<td>[^<]+</td>(.*?)</tr>", page, re.S)]
    assert rows == ["<td>admin</td><td>made a superuser</td> <td>viewer</td> <td>—</td> <td></td>",
                    "<td>admin</td><td>role changed</td> <td>viewer</td> <td>—</td> <td>new: editor, old: viewer</td>"]
    page = admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<td>スーパーユーザーに設定</td>" in page and "<td>ロール変更</td>" in page


def test_other_groups_permissions_and_deletion_in_the_admin_are_audited(admin_client, viewer):
    from django.contrib.auth.models import Permission

    oncall = Group.objects.create(name="oncall")
    change_user = Permission.objects.get(codename="change_user", content_type__app_label="auth")
    save(admin_client, viewer, groups=[Group.objects.get(name="viewer").pk, oncall.pk],
         user_permissions=[change_user.pk])
    assert entries() == [("admin", "permissions_changed", "viewer", {
        "groups_added": ["oncall"], "groups_removed": [], "permissions_added": ["auth.change_user"],
        "permissions_removed": []})]
    response = admin_client.post(reverse("admin:auth_user_delete", args=[viewer.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert entries()[-1] == ("admin", "user_deleted", "viewer", {"email": viewer.email, "role": "viewer"})
    page = admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "groups or permissions changed in the admin site" in page and "user deleted in the admin site" in page
