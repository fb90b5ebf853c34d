"""Snippets show the text a reader sees, not its Markdown; code and link targets stay searchable."""

import pytest

from incidents import search
from incidents.search.documents import document_for, incidents_for_index
from tests.factories import IncidentFactory, LessonFactory

SUMMARY = (
    "# 決済 API の障害\n\n"
    "**決済 API** の p99 が悪化し、`payments-api` が *OOMKilled* で再起動を繰り返した。\n"
    "詳細は [リリースノート](https://github.com/example/payments/releases/tag/v2.14.0) を参照。\n\n"
    "> 当初は DB 側の問題と判断した\n\n"
    "- HTTP 504 が多発\n"
    "- <b>重複課金</b> が 3 件 <script>alert(1)</script>\n\n"
    "```\n"
    "2024-03-12T02:14:07Z ERROR pool exhausted: ECONNREFUSED 10.0.3.15:5432 <script>alert(2)</script>\n"
    "```\n"
)


@pytest.fixture
def incident(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = IncidentFactory(title="決済の遅延", summary=SUMMARY,
                                  analysis="## 原因\n`max_connections` を **200** に上げた")
        LessonFactory(incident=created, text="負荷試験は _必ず_ [手順書](https://wiki.example/runbooks/load-test) で")
    return created


def test_the_document_holds_plain_text_and_the_link_targets(incident):
    document = document_for(incidents_for_index().get(pk=incident.pk))
    assert document["summary"].startswith("決済 API の障害\n\n決済 API の p99 が悪化し、payments-api が OOMKilled で")
    for syntax in ("**", "# ", "](", "`", "<b>", "> "):
        assert syntax not in document["summary"] and syntax not in document["body"], syntax
    assert "原因\nmax_connections を 200 に上げた" in document["body"]
    assert "負荷試験は 必ず 手順書 で" in document["body"]
    assert document["body"].endswith("https://github.com/example/payments/releases/tag/v2.14.0\n"
                                     "https://wiki.example/runbooks/load-test")


@pytest.mark.parametrize("query", ["決済 API", "OOMKilled", "重複課金", "HTTP 504", "max_connections",
                                   "ECONNREFUSED", "10.0.3.15", "payments-api", "v2.14.0",
                                   "github.com/example/payments", "wiki.example/runbooks", "リリースノート"])
def test_snippets_of_hits_have_no_markdown_and_code_and_links_stay_searchable(incident, editor, query):
    hits = search.search(query, editor).hits
    assert [hit.reference for hit in hits] == [incident.reference]
    snippet = hits[0].snippet
    assert "<mark>" in snippet
    for syntax in ("**", "#", "](", "`", "<b>", "<script", "&lt;b&gt;"):
        assert syntax not in snippet, (query, syntax, snippet)
