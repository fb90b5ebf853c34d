"""/people/ and /people/audit/ (admins only), the invite page, and deactivation ending a session at once."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from incidents import roles
from incidents.actions import people
from incidents.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user):
    return user("admin", email="admin@example.com")


@pytest.fixture
def admin_client(client_as, admin):
    return client_as(admin)


def test_non_admins_get_403_and_no_header_link(editor_client, viewer):
    for path in ("/people/", "/people/audit/"):
        assert editor_client.get(path).status_code == 403
    assert editor_client.post("/people/", {"action": "deactivate", "username": "viewer"}).status_code == 403
    viewer.refresh_from_db()
    assert viewer.is_active
    assert 'href="/people/"' not in editor_client.get("/incidents/").content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/people/"


def test_the_list_shows_role_email_last_sign_in_and_status(admin_client, user):
    user("editor", username="ed", email="ed@example.com")
    gone = user("viewer", username="gone")
    gone.is_active = False
    gone.save()
    page = admin_client.get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="/people/">People</a>' in page
    row = re.search(r"<td>ed</td>.*?</tr>", page, re.S).group(0)
    assert "ed@example.com" in row and '<option value="editor" selected>editor</option>' in row
    assert "<td>never</td>" in row and "<td>active</td>" in row and 'value="deactivate"' in row
    gone_row = re.search(r"<td>gone</td>.*?</tr>", page, re.S).group(0)
    assert "<td>deactivated</td>" in gone_row and 'value="reactivate"' in gone_row
    assert "no-store" in admin_client.get("/people/")["Cache-Control"]


def test_the_page_in_japanese(admin_client, editor):
    page = admin_client.get("/people/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<h1>メンバー</h1>" in page and "メンバーを招待" in page and "最終サインイン" in page
    assert '<option value="editor" selected>編集者</option>' in page and "無効にする" in page


def test_invite_shows_the_link_and_emails_it(admin_client, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/people/", {"action": "invite", "email": "kim@example.com", "role": "editor"},
                                     HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    url = re.search(r'<code id="invite-url">([^<]+)</code>', page).group(1)
    assert url.startswith("http://testserver/accounts/invite/")
    assert "kim@example.com was invited as kim; the link was emailed to them." in page
    assert mailoutbox[0].to == ["kim@example.com"] and url in mailoutbox[0].body
    assert roles.role_of(get_user_model().objects.get(username="kim")) == "editor"


def test_invite_errors_are_form_errors(admin_client, editor):
    editor.email = "ed@example.com"
    editor.save()
    page = admin_client.post("/people/", {"action": "invite", "email": "ed@example.com", "role": "viewer"},
                             HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A user with the email address ed@example.com already exists." in page
    page = admin_client.post("/people/", {"action": "invite", "email": "ed@example.com", "role": "viewer"},
                             HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "メールアドレス ed@example.com のユーザーはすでに存在します。" in page
    page = admin_client.post("/people/", {"action": "invite", "email": "x@example.com", "role": "boss"},
                             HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Select a valid choice. boss is not one of the available choices." in page
    assert not AuditEntry.objects.exists()


def test_change_role_and_deactivate_with_messages(admin_client, viewer):
    response = admin_client.post("/people/", {"action": "role", "username": "viewer", "role": "editor"}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert "viewer is now editor." in response.content.decode()
    response = admin_client.post("/people/", {"action": "deactivate", "username": "viewer"}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert "viewer was deactivated: their sessions and API token no longer work." in response.content.decode()
    viewer.refresh_from_db()
    assert not viewer.is_active and roles.role_of(viewer) == "editor"
    response = admin_client.post("/people/", {"action": "deactivate", "username": "admin"}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert "You cannot deactivate yourself." in response.content.decode()
    assert admin_client.post("/people/", {"action": "nuke", "username": "viewer"}).status_code == 400
    assert admin_client.post("/people/", {"action": "role", "username": "nobody", "role": "viewer"}).status_code == 404


def test_deactivation_ends_a_session_at_once(admin_client, client_as, editor, make_incident):
    editor_client = client_as(editor)
    assert editor_client.get("/incidents/").status_code == 200
    admin_client.post("/people/", {"action": "deactivate", "username": "editor"})
    response = editor_client.get("/incidents/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert editor_client.get("/api/v1/incidents/").status_code == 401


def test_authored_incidents_keep_the_name(admin_client, editor, make_incident, viewer_client):
    incident = make_incident(title="Disk full", authors=[editor])
    admin_client.post("/people/", {"action": "deactivate", "username": "editor"})
    assert list(incident.authors.all()) == [editor]
    page = viewer_client.get(incident.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dt>Authors</dt><dd>editor</dd>" in page


def test_the_audit_page_lists_newest_first(admin_client, viewer):
    admin_client.post("/people/", {"action": "role", "username": "viewer", "role": "editor"})
    admin_client.post("/people/", {"action": "deactivate", "username": "viewer"})
    page = admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index("<td>deactivated</td>") < page.index("<td>role changed</td>")
    assert "<td>new: editor, old: viewer</td>" in page  # sorted: PostgreSQL's jsonb keeps no order
    assert "<td>ロール変更</td>" in admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()


def invite_link(admin, email="kim@example.com"):
    invited, url = people.invite(admin, email, "viewer")
    return invited, url


def test_the_invite_link_sets_a_password_once(admin, client):
    invited, url = invite_link(admin)
    page = client.get(url, follow=True)
    assert page.context["validlink"] and "Your user name is <strong>kim</strong>." in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    assert form_url.endswith("/set-password/")
    response = client.post(form_url, {"new_password1": "correct horse 42", "new_password2": "correct horse 42"},
                           follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Your password was set: sign in with your user name kim." in response.content.decode()
    invited.refresh_from_db()
    assert invited.check_password("correct horse 42")
    assert AuditEntry.objects.filter(action="invite_accepted", target_user=invited).exists()
    again = Client().get(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert not again.context["validlink"]
    assert "This invite link is not valid: it was already used or is more than 7 days old." in again.content.decode()


def test_the_invite_link_expires_after_seven_days(admin, client, monkeypatch):
    _invited, url = invite_link(admin)
    later = datetime.datetime.now() + datetime.timedelta(days=8)
    monkeypatch.setattr(people.invite_tokens, "_now", lambda: later)
    page = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="ja")
    assert not page.context["validlink"] and "この招待リンクは無効です。" in page.content.decode()


def test_reviewer_pickers_offer_active_editors_and_admins_who_are_not_authors(admin, user, make_incident):
    from incidents.forms.review import ReviewRequestForm

    author, promoted = user("editor", username="author"), user("viewer", username="promoted")
    gone = user("editor", username="gone")
    user("viewer", username="reader")
    su = user(username="root")
    su.is_superuser = True
    su.save()
    people.change_role(admin, promoted, "editor")
    people.set_active(admin, gone, False)
    incident = make_incident(authors=[author], status="draft")
    offered = ReviewRequestForm(incident=incident).fields["reviewers"].queryset
    assert [u.username for u in offered] == ["admin", "promoted", "root"]


def test_a_deactivated_persons_invite_link_is_void(admin, client):
    invited, url = invite_link(admin)
    people.set_active(admin, invited, False)
    assert not client.get(url, follow=True).context["validlink"]


def test_a_new_invite_link_for_someone_still_invited(admin, admin_client, editor):
    people.invite(admin, "kim@example.com", "viewer")
    page = admin_client.get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    kim = re.search(r"<td>kim</td>.*?</tr>", page, re.S).group(0)
    assert "<td>invited</td>" in kim and 'value="reinvite"' in kim
    assert 'value="reinvite"' not in re.search(r"<td>editor</td>.*?</tr>", page, re.S).group(0)
    page = admin_client.post("/people/", {"action": "reinvite", "username": "kim"},
                             HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "kim に新しい招待リンクをメールで送りました。" in page and '<code id="invite-url">http://testserver/' in page
    response = admin_client.post("/people/", {"action": "reinvite", "username": "editor"}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert "editor is not waiting for an invite." in response.content.decode()
