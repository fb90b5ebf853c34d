"""Write-path security: sign-in throttling (django-axes), the admin for staff only, and the Content-Security-Policy
(django-csp)."""

from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import ExportJob, Incident
from tests.factories import RetrospectiveFactory

pytestmark = pytest.mark.django_db

HERE, ELSEWHERE = "192.0.2.10", "198.51.100.20"  # documentation addresses: only REMOTE_ADDR, never contacted


def sign_in(client, password, username="editor", address=HERE, url=None, **headers):
    return client.post(url or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def fail(client, times, username="editor", **kwargs):
    return [sign_in(client, "wrong", username=username, **kwargs).status_code for _ in range(times)]


def age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_defaults_are_ten_failures_and_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 10 and settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]] and settings.AXES_RESET_ON_SUCCESS


def test_ten_failures_lock_that_name_from_that_address(client, editor):
    assert fail(client, 9) == [200] * 9  # the form again, with its error
    assert fail(client, 1) == [429]  # the tenth locks
    response = sign_in(client, "pw")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in locked" in page and "After 10 failed sign-ins as editor from this address" in page
    assert "this account is locked for this address" in page and "Try again in 15 min" in page
    assert 'class="site-header"' in page, "the lockout page is in the base layout"
    assert not signed_in_as(client)


def test_the_lockout_page_in_japanese(client, editor):
    fail(client, 10)
    page = sign_in(client, "pw", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "サインインを停止中" in page and "15 分後にもう一度" in page and "editor としてのサインインに 10 回失敗" in page


def test_the_lock_is_for_that_name_and_address_only(client, editor, user):
    fail(client, 10)
    assert sign_in(Client(), "pw", address=ELSEWHERE).status_code == 302
    user(username="colleague")
    other = Client()
    assert sign_in(other, "pw", username="colleague").status_code == 302 and signed_in_as(other)


def test_the_admin_sign_in_is_throttled_too(client, editor):
    editor.is_staff = True
    editor.save()
    assert fail(client, 10, url=reverse("admin:login")) == [200] * 9 + [429]
    assert sign_in(client, "pw", url=reverse("admin:login")).status_code == 429
    assert sign_in(client, "pw").status_code == 429, "one count for both sign-in pages"


def test_the_lock_ends_after_the_cool_off_and_an_attempt_during_it_starts_it_again(client, editor):
    fail(client, 10)
    age_attempts(14)
    assert sign_in(client, "pw").status_code == 429
    assert AccessAttempt.objects.get().attempt_time > timezone.now() - timedelta(minutes=1)
    age_attempts(16)
    assert sign_in(client, "pw").status_code == 302 and signed_in_as(client) == str(editor.pk)


def test_a_successful_sign_in_before_the_limit_clears_the_count(client, editor):
    assert fail(client, 9) == [200] * 9
    assert sign_in(client, "pw").status_code == 302
    assert not AccessAttempt.objects.exists()
    client.logout()
    assert fail(client, 9) == [200] * 9, "counting starts again"
    assert sign_in(client, "pw").status_code == 302


def test_tokens_and_open_sessions_keep_working_during_a_lock(client, editor, editor_client):
    key = Token.objects.create(user=editor).key
    fail(client, 10)
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=HERE).status_code == 200
    assert editor_client.get("/incidents/", REMOTE_ADDR=HERE).status_code == 200


# --- Admin: staff only; the demo user is an editor ----------------------------------------------------

def test_the_demo_user_is_no_admin_and_a_staff_user_is(client, demo, user):
    assert sign_in(client, "demo", username="demo").status_code == 302
    response = client.get("/admin/")
    assert response.status_code in {302, 403}
    assert response.status_code == 403 or response["Location"].startswith(reverse("admin:login"))
    assert 'href="/admin/"' not in client.get("/incidents/").content.decode()
    user("admin", username="staff", is_staff=True)
    staff = Client()
    assert sign_in(staff, "pw", username="staff").status_code == 302
    assert staff.get("/admin/").status_code == 200
    assert 'href="/admin/"' in staff.get("/incidents/").content.decode()


# --- Content-Security-Policy ---------------------------------------------------------------------------

def policy(response):
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


class InlineCode(HTMLParser):
    """What the policy refuses in a page: a script without src, an on… handler or javascript: URL, a style
    attribute or a <style> element."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_policy_is_on_pages_the_api_and_the_sign_in_page(client, editor_client, demo):
    for response in [editor_client.get("/incidents/"), editor_client.get("/api/v1/incidents/", HTTP_ACCEPT="application/json"),
                     client.get(reverse("login")), client.get("/api/v1/incidents/")]:
        assert response.status_code in {200, 401}
        directives = policy(response)
        assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
        assert directives["default-src"] == ["'self'"] and directives["img-src"] == ["'self'", "data:"]
        assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
        assert directives["form-action"] == ["'self'"] and directives["base-uri"] == ["'self'"]
        assert "unsafe" not in response["Content-Security-Policy"]


def test_no_page_has_inline_script_or_style(editor_client, editor, demo):
    eks = Incident.objects.get(title__contains="pid_max")
    meeting = RetrospectiveFactory()
    add_to_agenda(meeting, Incident.objects.all())
    job = ExportJob.objects.create(retrospective=meeting, requested_by=editor)
    pages = ["/incidents/", "/incidents/?q=名前解決", f"/incidents/{eks.reference}/", f"/incidents/{eks.reference}/edit/",
             "/incidents/new/", "/patterns/", "/retrospectives/", "/retrospectives/new/", f"/retrospectives/{meeting.pk}/",
             f"/retrospectives/{meeting.pk}/edit/", f"/exports/{job.pk}/", "/api/v1/docs/"]
    for url in pages:
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
    assert 'fill-opacity="' in editor_client.get("/patterns/").content.decode()
    assert 'http-equiv="refresh"' in editor_client.get(f"/exports/{job.pk}/").content.decode()
    editor_client.logout()
    assert inline_code(editor_client.get(reverse("login")).content.decode()) == []
    fail(editor_client, 10, username="editor")
    locked = sign_in(editor_client, "pw", username="editor")
    assert locked.status_code == 429 and inline_code(locked.content.decode()) == []


def test_the_language_switcher_is_a_static_script(editor_client, demo):
    page = editor_client.get("/incidents/").content.decode()
    assert '<script src="/static/js/language.js" defer></script>' in page
    assert "<noscript><button" in page
    assert "addEventListener" in Path(finders.find("js/language.js")).read_text()


def test_swagger_ui_loads_its_start_up_script_from_this_site(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert inline_code(page) == []
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
