"""Database unavailable or storage full answers 503 with Retry-After, never 500, on every path a failure can
take through Django: a DRF view (the API's exception handler), a page's view (incidents.middleware's
OutageMiddleware) and a middleware after the view (saving the session: handler500). The database fails
here through an execute wrapper raising what the driver raises; tests/processes/test_database_restart.py and
tests/processes/test_disk_full.py break a real PostgreSQL and a real filesystem."""

import sqlite3

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client
from rest_framework.authtoken.models import Token

from incidents import outages
from incidents.models import Incident
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

DOWN = "The database is unavailable right now; nothing was changed. Try again in a few seconds."
FULL = "The storage is full; nothing was changed. Try again once space has been freed."


def _failing(error, when=lambda sql: True):
    def wrapper(execute, sql, params, many, context):
        if when(sql):
            raise error
        return execute(sql, params, many, context)
    return connection.execute_wrapper(wrapper)


def _psycopg(error_class, message):
    """A Django OperationalError caused by psycopg's, as Django's wrapper raises it."""
    try:
        try:
            raise error_class(message)
        except psycopg.Error as cause:
            raise OperationalError(message) from cause
    except OperationalError as exc:
        return exc


def _sqlite_full():
    """The real error SQLite gives when it cannot grow its file (SQLITE_FULL), from a database capped at
    a few pages."""
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA max_page_count = 2")
    db.execute("CREATE TABLE t (x)")
    try:
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 10)
    except sqlite3.OperationalError as cause:
        try:
            raise OperationalError(str(cause)) from cause
        except OperationalError as exc:
            return exc
    raise AssertionError("SQLite did not fill up")


def test_which_errors_are_outages():
    assert outages.classify(_psycopg(psycopg.errors.AdminShutdown,
                                     "terminating connection due to administrator command")) == "database"
    assert outages.classify(_psycopg(psycopg.errors.CannotConnectNow, "the database system is starting up")) == "database"
    assert outages.classify(_psycopg(psycopg.errors.TooManyConnections,
                                     "sorry, too many clients already")) == "database"
    assert outages.classify(_psycopg(psycopg.OperationalError, "connection failed: Connection refused")) == "database"
    assert outages.classify(_psycopg(psycopg.errors.DiskFull, "could not extend file")) == "storage"
    assert outages.classify(_sqlite_full()) == "storage"
    assert outages.classify(OperationalError("database is locked")) == "database"
    assert outages.classify(OSError(28, "No space left on device")) == "storage"
    assert outages.classify(ValueError("An IO error occurred: 'No space left on device (os error 28)'")) == "storage"
    # real errors stay errors (500)
    assert outages.classify(OperationalError("no such table: incidents_incident")) is None
    assert outages.classify(_psycopg(psycopg.errors.UndefinedTable, "relation does not exist")) is None
    assert outages.classify(IntegrityError("UNIQUE constraint failed")) is None
    assert outages.classify(ValueError("bad")) is None


def test_an_api_write_while_the_database_is_down_is_503_json():
    token = Token.objects.create(user=UserFactory(username="lead", role="admin")).key
    client = Client(raise_request_exception=False)
    down = _psycopg(psycopg.errors.AdminShutdown, "terminating connection due to administrator command")
    with _failing(down, lambda sql: "incidents_incident" in sql):
        response = client.post("/api/v1/incidents/", {"title": "never stored"}, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"detail": DOWN}
    assert not Incident.objects.filter(title="never stored").exists()


def test_a_page_whose_view_fails_is_the_styled_503_page_in_the_visitors_language(settings):
    settings.POSTMORTEM_RETRY_AFTER_SECONDS = 7
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="reader", role="viewer"))
    with _failing(_sqlite_full(), lambda sql: "incidents_incident" in sql):
        english = client.get("/incidents/")
        japanese = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja")
        wants_json = client.get("/incidents/", HTTP_ACCEPT="application/json")
    assert english.status_code == 503 and english["Retry-After"] == "7"
    page = english.content.decode()
    assert "<h1>Storage is full</h1>" in page and FULL in page and "Reload this page in 7 seconds." in page
    assert 'href="/static/css/app.css"' in page and "Sign out" not in page  # the site's look, no user lookup
    page = japanese.content.decode()
    assert japanese.status_code == 503 and "<h1>ストレージが満杯です</h1>" in page
    assert "何も変更されていません" in page and "7 秒後にこのページを再読み込みしてください。" in page
    assert wants_json.status_code == 503 and wants_json.json() == {"detail": FULL}


def test_a_failure_in_a_middleware_after_the_view_is_503_through_handler500(settings):
    settings.SESSION_SAVE_EVERY_REQUEST = True  # the session middleware writes after the view
    incident = IncidentFactory()
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="reader", role="viewer"))
    down = _psycopg(psycopg.OperationalError, "server closed the connection unexpectedly")
    with _failing(down, lambda sql: "django_session" in sql and not sql.lstrip().upper().startswith("SELECT")):
        page = client.get(f"/incidents/{incident.reference}/")
        api = client.get(f"/api/v1/incidents/{incident.pk}/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "<h1>Temporarily unavailable</h1>" in page.content.decode() and DOWN in page.content.decode()
    assert api.status_code == 503 and api.json() == {"detail": DOWN}
    # anything else raised there is still the plain 500 page
    with _failing(IntegrityError("not an outage"), lambda sql: "django_session" in sql and "UPDATE" in sql.upper()):
        broken = client.get(f"/incidents/{incident.reference}/")
    assert broken.status_code == 500 and "Retry-After" not in broken
