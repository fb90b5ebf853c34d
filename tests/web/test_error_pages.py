"""403, 404 and 500: the site's pages (header, navigation) in the reader's language, and one log line for a 4xx."""

import logging

from django.test import RequestFactory

from incidents.web.unavailable import server_error


def test_a_403_is_the_sites_page_in_japanese_with_the_navigation(client_as, user):
    page = client_as(user("viewer", username="yomu"))
    page.cookies["django_language"] = "ja"
    response = page.get("/people/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "<title>権限がありません · " in text and '<nav aria-label="メイン">' in text
    assert "このアカウントではこの操作はできません" in text and 'href="/action-items/"' in text


def test_a_404_is_the_sites_page_in_both_languages(viewer_client):
    response = viewer_client.get("/incidents/INC-99999/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode() and 'href="/patterns/"' in response.content.decode()
    viewer_client.cookies["django_language"] = "ja"
    assert "<h1>ページが見つかりません</h1>" in viewer_client.get("/nowhere/").content.decode()


def test_a_403_is_logged_once_as_one_warning_line_without_a_traceback(client_as, user, caplog):
    page = client_as(user("viewer", username="yomu"))
    with caplog.at_level(logging.WARNING):
        assert page.get("/people/").status_code == 403
    records = [record for record in caplog.records if record.name == "django.request"]
    assert [record.getMessage() for record in records] == ["Forbidden (Permission denied): /people/"]
    # Django's own console handler on the "django" logger printed it a second time (DEBUG on): gone
    assert logging.getLogger("django").handlers == []
    # the root's console handler prints one line: the traceback of a 4xx is dropped
    console = next(handler for handler in logging.getLogger().handlers if handler.filters)
    assert console.filter(records[0])
    assert console.format(records[0]).endswith("WARNING django.request: Forbidden (Permission denied): /people/")


def test_the_500_page_needs_no_database_and_speaks_the_readers_language():
    request = RequestFactory().get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja")
    response = server_error(request)  # no database access allowed here: it would raise and fall back
    text = response.content.decode()
    assert response.status_code == 500
    assert "<h1>エラーが発生しました</h1>" in text and 'href="/retrospectives/"' in text
    assert 'name="csrfmiddlewaretoken"' in text  # the language switcher still works
    english = server_error(RequestFactory().get("/incidents/", HTTP_ACCEPT_LANGUAGE="en")).content.decode()
    assert "<h1>Something went wrong</h1>" in english
