"""Learning from use, the pages (incidents.web.search) and the logging of the list page and the API: each
search is logged once sent (not its later pages), a result's link goes through /search/open/ (logged, then
the incident; a restricted one is a 404 for others and logs nothing), a log that fails to write never
breaks the search, and /search/gaps/ shows admins (only) the searches that found nothing or led nowhere,
each with a link to the glossary form prefilled, in English and Japanese."""

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from incidents.actions import searchlog
from incidents.models import GlossaryEntry, SearchOpen, SearchRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def disks(committed, make_incident, user):
    with committed():
        first = make_incident(title="Disk full on db-1", summary="The data disk was full.")
        second = make_incident(title="Disk full on db-2", summary="The data disk was full.")
        secret = make_incident(title="Disk full on vault-3", summary="The data disk was full.", visibility="restricted")
        secret.members.set([user("viewer", username="member")])
    return first, second, secret


def test_the_list_page_logs_its_search_and_links_results_through_open(disks, viewer_client):
    first, _second, _secret = disks
    page = viewer_client.get("/incidents/", {"q": "Disk  full"}).content.decode()
    assert f'href="/search/open/{first.reference}/?q=Disk%20%20full"' in page
    assert list(SearchRecord.objects.values_list("query", "source", "hits", "partial")) == [("disk full", "page", 2, False)]
    viewer_client.get("/incidents/", {"q": "Disk  full", "page": "2"})
    assert SearchRecord.objects.count() == 1  # a later page is the same search

    response = viewer_client.get(f"/search/open/{first.reference}/", {"q": "Disk  full"})
    assert response.status_code == 302 and response["Location"] == f"/incidents/{first.reference}/"
    assert list(SearchOpen.objects.values_list("query", "terms", "incident")) == [("disk full", "disk full", first.pk)]
    assert len(SearchOpen.objects.get().opener) == 16  # a digest, not the user

    viewer_client.get("/incidents/", {"q": "zzyzx-nothing"})
    assert SearchRecord.objects.get(query="zzyzx-nothing").hits == 0
    page = viewer_client.get("/incidents/").content.decode()  # the list without a search: plain links
    assert f'href="/incidents/{first.reference}/"' in page and "/search/open/" not in page
    assert SearchRecord.objects.count() == 2


def test_opening_a_restricted_incident_is_a_404_for_others_and_logs_nothing(disks, viewer_client, client_as, client):
    _first, _second, secret = disks
    assert viewer_client.get(f"/search/open/{secret.reference}/", {"q": "disk"}).status_code == 404
    assert client.get(f"/search/open/{secret.reference}/", {"q": "disk"})["Location"].startswith("/accounts/login/")
    assert not SearchOpen.objects.exists()
    member = client_as(get_user_model().objects.get(username="member"))
    assert member.get(f"/search/open/{secret.reference}/", {"q": "disk"}).status_code == 302
    assert member.get(f"/search/open/{secret.reference}/").status_code == 302  # no query: nothing logged
    assert SearchOpen.objects.get().incident == secret


def test_the_api_logs_its_searches(disks, viewer_api):
    answer = viewer_api.get("/api/v1/search/", {"q": "disk full"})
    assert answer.status_code == 200 and answer.json()["count"] == 2
    viewer_api.get("/api/v1/search/", {"q": "disk full", "page": 2})
    assert list(SearchRecord.objects.values_list("query", "source", "hits")) == [("disk full", "api", 2)]


def test_a_log_write_that_fails_does_not_break_the_search(disks, viewer_client, viewer_api, monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(SearchRecord, "save", broken)
    monkeypatch.setattr(SearchOpen, "save", broken)
    with caplog.at_level(logging.ERROR, logger="incidents.actions.searchlog"):
        page = viewer_client.get("/incidents/", {"q": "disk full"})
        assert page.status_code == 200 and "2 incidents match “disk full”." in page.content.decode()
        answer = viewer_api.get("/api/v1/search/", {"q": "disk full"})
        assert answer.status_code == 200 and answer.json()["count"] == 2
        opened = viewer_client.get(f"/search/open/{disks[0].reference}/", {"q": "disk full"})
        assert opened.status_code == 302
    assert caplog.text.count("the search log could not be written") == 3
    assert "DatabaseError: disk I/O error" in caplog.text
    assert viewer_client.get("/incidents/", {"q": "disk full"}).status_code == 200  # the database still answers


def test_a_write_the_database_refuses_leaves_the_request_and_its_transaction_usable(disks, viewer_client, monkeypatch,
                                                                                      caplog):
    original = searchlog.record_search
    monkeypatch.setattr(searchlog, "record_search",  # hits below 0: the database's CHECK constraint refuses the row
                        lambda text, hits, partial, source: original(text, -1, partial, source))
    with caplog.at_level(logging.ERROR, logger="incidents.actions.searchlog"):
        page = viewer_client.get("/incidents/", {"q": "disk full"})
    assert page.status_code == 200 and "2 incidents match “disk full”." in page.content.decode()
    assert "IntegrityError" in caplog.text and not SearchRecord.objects.exists()  # still readable: only the savepoint went
    monkeypatch.setattr(searchlog, "record_search", original)
    viewer_client.get("/incidents/", {"q": "disk full"})
    assert SearchRecord.objects.get().hits == 2


@pytest.fixture
def gaps(disks, user):
    first = disks[0]
    for _ in range(3):
        searchlog.record_search("レスポンスが遅い", 0, False, SearchRecord.Source.PAGE)
    for _ in range(2):
        searchlog.record_search("disk full", 2, False, SearchRecord.Source.API)
    searchlog.record_open("disk full", first, user("viewer", username="someone"))
    searchlog.record_search("Stale DNS record", 1, True, SearchRecord.Source.PAGE)


def rows(page):
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>") if row.strip()]


def test_admins_see_the_search_gaps_with_counts_and_a_glossary_link(gaps, client_as, user):
    admin = client_as(user("admin"))
    page = admin.get("/search/gaps/").content.decode()
    assert "Searches of the last 30 days that found nothing, or after which no result was opened, most searched first." in page
    assert rows(page) == ["レスポンスが遅い 3 3 0 0 Add to glossary", "stale dns record 1 0 1 0 Add to glossary"]
    assert 'href="/search/gaps/glossary/?term=stale+dns+record"' in page
    assert ('href="/search/gaps/glossary/?term=%E3%83%AC%E3%82%B9%E3%83%9D%E3%83%B3%E3%82%B9%E3%81%8C%E9%81%85%E3%81%84"'
            in page)

    page = admin.get("/search/gaps/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "過去 30 日間の検索のうち、何も見つからなかったもの、または結果が一つも開かれなかったもの（検索回数の多い順）。" in page
    assert rows(page) == ["レスポンスが遅い 3 3 0 0 用語集に追加", "stale dns record 1 0 1 0 用語集に追加"]
    assert "検索のすき間" in admin.get("/people/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'href="/search/gaps/"' in admin.get("/people/").content.decode()


def test_the_glossary_form_adds_a_new_entry_prefilled_from_the_search(gaps, client_as, user):
    admin = client_as(user("admin"))
    form = admin.get("/search/gaps/glossary/", {"term": "stale dns record"}).content.decode()
    assert ">\nstale dns record</textarea>" in form and 'value="stale-dns-record"' in form
    japanese = admin.get("/search/gaps/glossary/", {"term": "レスポンスが遅い"}).content.decode()
    assert ">\nレスポンスが遅い</textarea>" in japanese
    assert "value=" not in re.search(r'<input[^>]*name="key"[^>]*>', japanese)[0]  # no key from Japanese words

    answer = admin.post("/search/gaps/glossary/", {"terms": "stale dns record\n古い DNS レコード", "key": "stale-dns-record",
                                                   "category": "failure"}, follow=True)
    assert "Glossary entry stale-dns-record added: the next search uses it." in answer.content.decode()
    entry = GlossaryEntry.objects.get(key="stale-dns-record")
    assert (entry.category, entry.terms, entry.enabled) == ("failure", ["stale dns record", "古い DNS レコード"], True)

    answer = admin.post("/search/gaps/glossary/", {"terms": "stale dns record", "key": "stale-dns-record",
                                                   "category": "failure"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert answer.status_code == 400
    assert "このキーの項目はすでにあります。追加するには上で選んでください。" in answer.content.decode()
    answer = admin.post("/search/gaps/glossary/", {"terms": "x"})
    assert answer.status_code == 400 and "Give the new entry a key, or choose an entry to add to." in answer.content.decode()
    assert "Choose the new entry&#x27;s category." in answer.content.decode()


def test_the_glossary_form_adds_terms_to_an_existing_entry(gaps, client_as, user):
    admin = client_as(user("admin"))
    entry = GlossaryEntry.objects.create(key="slow-response", category="symptom", terms=["応答が遅い", "slow response"])
    answer = admin.post("/search/gaps/glossary/", {"terms": "レスポンスが遅い\nSLOW RESPONSE", "entry": "slow-response"},
                        follow=True, HTTP_ACCEPT_LANGUAGE="ja")
    assert "slow-response に追加しました: レスポンスが遅い。次の検索から使われます。" in answer.content.decode()
    entry.refresh_from_db()
    assert entry.terms == ["応答が遅い", "slow response", "レスポンスが遅い"]
    answer = admin.post("/search/gaps/glossary/", {"terms": "slow response", "entry": "slow-response"}, follow=True)
    assert "slow-response already has these terms." in answer.content.decode()


def test_only_admins_see_the_search_gaps(gaps, client_as, user, client):
    for role in ("viewer", "editor"):
        signed_in = client_as(user(role))
        assert signed_in.get("/search/gaps/").status_code == 403
        assert signed_in.get("/search/gaps/glossary/", {"term": "x"}).status_code == 403
        assert signed_in.post("/search/gaps/glossary/", {"terms": "x", "key": "x", "category": "failure"}).status_code == 403
    assert not GlossaryEntry.objects.filter(key="x").exists()
    for url in ("/search/gaps/", "/search/gaps/glossary/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_period_can_be_chosen(gaps, client_as, user):
    admin = client_as(user("admin"))
    page = admin.get("/search/gaps/", {"days": "7"}).content.decode()
    assert "Searches of the last 7 days" in page and "<strong>7 days</strong>" in page
    assert "Searches of the last 30 days" in admin.get("/search/gaps/", {"days": "12"}).content.decode()
    SearchRecord.objects.all().delete()
    assert "No such search in this period." in admin.get("/search/gaps/").content.decode()
