"""The glossary in search: a typed term also finds the other terms of its entry (in the other language, an
alias, an error name) with less weight than the words typed, says which entry matched, and lets a Japanese
and an English write-up of the same failure find each other as similar incidents."""

from incidents import search
from incidents.models import GlossaryEntry
from incidents.search import concepts, follower
from incidents.models import current_glossary
from tests.factories import IncidentFactory


def build(*incidents):
    follower.rebuild()
    return incidents


def test_a_term_finds_its_glossary_terms_in_the_other_language(viewer):
    ja, en, other = build(
        IncidentFactory(title="決済APIで接続拒否が多発", summary="upstream の 8443 番ポートが閉じていた"),
        IncidentFactory(title="Payments API: connection refused", summary="The upstream port was closed."),
        IncidentFactory(title="ディスク容量の枯渇", summary="ログが溢れた"),
    )
    results = search.search("接続拒否", viewer)
    assert [hit.id for hit in results.hits] == [ja.pk, en.pk]  # the words typed rank first
    assert [(e.key, e.text) for e in results.glossary] == [("connection-refused", "接続拒否")]
    assert "connection refused" in results.glossary[0].others

    results = search.search("connection refused", viewer)
    assert [hit.id for hit in results.hits] == [en.pk, ja.pk]
    assert other.pk not in [hit.id for hit in search.search("ECONNREFUSED", viewer).hits]
    assert {hit.id for hit in search.search("ECONNREFUSED", viewer).hits} == {ja.pk, en.pk}


def test_aliases_and_loanwords(viewer):
    k8s, pg, deadlock = build(
        IncidentFactory(title="Kubernetes の kubelet が再起動を繰り返した"),
        IncidentFactory(title="PostgreSQL replica lag"),
        IncidentFactory(title="注文テーブルで相互待ちが発生"),
    )
    assert [hit.id for hit in search.search("k8s", viewer).hits] == [k8s.pk]
    assert [hit.id for hit in search.search("pg", viewer).hits] == [pg.pk]
    assert [hit.id for hit in search.search("デッドロック", viewer).hits] == [deadlock.pk]


def test_a_disabled_entry_no_longer_expands(viewer):
    (en,) = build(IncidentFactory(title="Payments API: connection refused"))
    assert [hit.id for hit in search.search("接続拒否", viewer).hits] == [en.pk]
    GlossaryEntry.objects.filter(key="connection-refused").update(enabled=False)
    entry = GlossaryEntry.objects.get(key="connection-refused")
    entry.save()  # saves set updated_at, which the cache notices
    results = search.search("接続拒否", viewer)
    assert results.hits == [] and results.glossary == []


def test_concepts_are_found_as_words_not_inside_longer_words(db):
    glossary = current_glossary()
    keys = [c.key for c in concepts.concepts("APIが接続拒否を返し、ロードバランサのヘルスチェックが失敗", glossary)]
    assert {"connection-refused", "load-balancer", "health-check-failure"} <= set(keys)  # the longest term wins
    assert "port" not in [c.key for c in concepts.concepts("サポート窓口へ連絡", glossary)]


def test_a_japanese_and_an_english_write_up_of_one_failure_are_similar(viewer):
    ja, en, *noise = build(
        IncidentFactory(title="社内DNSの名前解決失敗で決済が停止",
                        summary="リゾルバのキャッシュが枯渇し、名前解決がタイムアウトした。ロードバランサのヘルスチェックも失敗した。"),
        IncidentFactory(title="Checkout outage: DNS resolution failures",
                        summary="The resolver cache was exhausted and DNS lookups timed out; "
                                "load balancer health checks failed too."),
        IncidentFactory(title="ディスク容量の枯渇", summary="ログローテーションが止まりディスクが溢れた"),
        IncidentFactory(title="Certificate expired on the admin site", summary="Renewal cron was disabled."),
        IncidentFactory(title="メモリリークでワーカーが再起動", summary="キャッシュが解放されなかった"),
    )
    top = search.similar(ja, viewer)
    assert top[0]["id"] == en.pk
    assert any("same concept" in reason for reason in top[0]["reasons"])
    assert search.similar(en, viewer)[0]["id"] == ja.pk


def test_a_sentence_typed_without_spaces_expands_the_term_inside_it(viewer):
    en, ja = build(
        IncidentFactory(title="Payments API: connection refused by the upstream"),
        IncidentFactory(title="決済APIで接続拒否"),
    )
    results = search.search("接続が拒否された", viewer)
    assert {hit.id for hit in results.hits} == {en.pk, ja.pk}
    assert results.hits[0].id == ja.pk
    assert "connection-refused" in [e.key for e in results.glossary]
