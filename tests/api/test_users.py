"""/api/v1/users/ and /api/v1/audit/: admins only; invite, role, deactivation (a token stops at once)."""

import pytest
from django.contrib.auth import get_user_model

from incidents import roles
from incidents.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user):
    return user("admin", email="admin@example.com")


@pytest.fixture
def admin_api(api_as, admin):
    return api_as(admin)


def test_list_shows_each_user(admin_api, editor, viewer):
    response = admin_api.get("/api/v1/users/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"username": "admin", "email": "admin@example.com", "role": "admin", "is_active": True, "last_login": None},
        {"username": "editor", "email": "", "role": "editor", "is_active": True, "last_login": None},
        {"username": "viewer", "email": "", "role": "viewer", "is_active": True, "last_login": None},
    ]


@pytest.mark.parametrize("method,path", [("get", "/api/v1/users/"), ("post", "/api/v1/users/"),
                                         ("patch", "/api/v1/users/viewer/"), ("get", "/api/v1/audit/")])
def test_non_admins_get_403(editor_api, viewer, method, path):
    response = getattr(editor_api, method)(path, {"email": "x@example.com", "role": "admin", "is_active": False},
                                           format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    viewer.refresh_from_db()
    assert viewer.is_active and not get_user_model().objects.filter(email="x@example.com").exists()


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/users/").status_code == 401


def test_invite_answers_201_with_the_link(admin_api, client):
    response = admin_api.post("/api/v1/users/", {"email": "new@example.com", "role": "editor"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("username", "email", "role", "is_active", "last_login")} == {
        "username": "new", "email": "new@example.com", "role": "editor", "is_active": True, "last_login": None}
    assert body["invite_url"].startswith("http://testserver/accounts/invite/")
    page = client.get(body["invite_url"], follow=True)
    assert page.status_code == 200 and page.context["validlink"]


def test_invite_errors_name_the_field(admin_api, editor):
    editor.email = "ed@example.com"
    editor.save()
    response = admin_api.post("/api/v1/users/", {"email": "ED@example.com", "role": "viewer"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with the email address ED@example.com already exists."]}
    response = admin_api.post("/api/v1/users/", {"email": "bob@example.com", "role": "owner"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": ["Unknown role “owner”: choose one of viewer, editor, admin."]}
    response = admin_api.post("/api/v1/users/", {"email": "not an address"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."], "role": ["This field is required."]}
    assert not AuditEntry.objects.exists()


def test_patch_changes_the_role(admin_api, viewer):
    response = admin_api.patch("/api/v1/users/viewer/", {"role": "editor"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "editor"
    assert roles.role_of(viewer) == "editor"
    response = admin_api.patch("/api/v1/users/viewer/", {"role": "boss"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": ["Unknown role “boss”: choose one of viewer, editor, admin."]}
    assert admin_api.patch("/api/v1/users/nobody/", {"role": "editor"}, format="json").status_code == 404
    response = admin_api.patch("/api/v1/users/viewer/", {}, format="json")
    assert response.status_code == 400 and response.json() == {"non_field_errors": ["Send “role” and/or “is_active”."]}
    response = admin_api.patch("/api/v1/users/admin/", {"is_active": False}, format="json")
    assert response.status_code == 400 and response.json() == {"is_active": ["You cannot deactivate yourself."]}


def test_deactivation_stops_the_token_at_once_and_reactivation_restores_it(admin_api, api_as, editor):
    editor_api = api_as(editor)
    assert editor_api.get("/api/v1/incidents/").status_code == 200
    response = admin_api.patch("/api/v1/users/editor/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    refused = editor_api.get("/api/v1/incidents/")
    assert refused.status_code == 401 and refused.json() == {"detail": "User inactive or deleted."}
    admin_api.patch("/api/v1/users/editor/", {"is_active": True}, format="json")
    assert editor_api.get("/api/v1/incidents/").status_code == 200


def test_audit_lists_entries_newest_first(admin_api):
    admin_api.post("/api/v1/users/", {"email": "new@example.com", "role": "viewer"}, format="json")
    admin_api.patch("/api/v1/users/new/", {"role": "editor"}, format="json")
    response = admin_api.get("/api/v1/audit/")
    assert response.status_code == 200 and response.json()["count"] == 2
    entries = response.json()["results"]
    assert [(e["actor"], e["action"], e["target_user"], e["incident"], e["details"]) for e in entries] == [
        ("admin", "role_changed", "new", None, {"old": "viewer", "new": "editor"}),
        ("admin", "user_invited", "new", None, {"email": "new@example.com", "role": "viewer"}),
    ]
    assert admin_api.get("/api/v1/audit/?page_size=1").json()["next"].endswith("page=2&page_size=1")
