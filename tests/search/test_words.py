"""Japanese words beside the bigrams: the word analyzer, word matches ranked before bigram-only ones,
queries typed as sentences, orthographic variants, highlighting, and the ``partial_words`` flag."""

import pickle

import pytest

from incidents import search
from incidents.search.backends.whoosh_text import WordAnalyzer
from incidents.search.words import query_words
from tests.factories import IncidentFactory


def words(text, mode="index"):
    return [t.text for t in WordAnalyzer()(text, mode=mode)]


def spans(text):
    return [(t.text, text[t.startchar:t.endchar]) for t in WordAnalyzer()(text, chars=True, positions=True)]


# --- the analyzer -------------------------------------------------------------------------------------


def test_words_of_a_mixed_sentence_with_particles_and_auxiliaries_dropped():
    assert words("datadog-agent がメモリリークしていた") == [
        "datadog-agent", "datadog", "agent", "メモリ", "リーク"]  # し, て, い, た: lone hiragana, particle, auxiliary
    assert words("メールが全く届かなくなった") == ["メール", "全く", "届く", "成る"]
    assert words("ロードバランサの設定ミス。") == ["ロード", "バランサー", "設定", "ミス"]


def test_paths_and_versions_are_kept_whole_in_queries():
    assert words("/proc/sys/kernel/pid_max を 4194304 に", mode="query") == ["proc/sys/kernel/pid_max", "4194304"]
    assert {"proc/sys/kernel/pid_max", "pid_max", "kernel"} <= set(words("/proc/sys/kernel/pid_maxを確認"))
    # A version is searched without its ``v`` (see tests/search/test_identifiers.py).
    assert words("v1.2.3 と 172.31.0.0/16", mode="query") == ["1.2.3", "172.31.0.0/16"]


@pytest.mark.parametrize("variant, form", [
    ("ユーザ", "ユーザー"), ("ユーザー", "ユーザー"), ("ﾕｰｻﾞｰ", "ユーザー"),
    ("取消し", "取り消し"), ("取り消し", "取り消し"),
    ("コンピュータ", "コンピューター"), ("ｺﾝﾋﾟｭｰﾀ", "コンピューター"), ("ＡＷＳ", "aws"),
])
def test_variants_meet_in_one_normalized_form(variant, form):
    assert words(variant) == [form]


def test_offsets_point_into_the_original_text():
    text = "ＡＷＳ の ﾕｰｻﾞｰ が取消し処理を aws-node で再起動"
    # 取消し in a compound is read as the verb 取り消す; its noun reading is indexed at the same place.
    assert spans(text) == [("aws", "ＡＷＳ"), ("ユーザー", "ﾕｰｻﾞｰ"), ("取り消す", "取消し"), ("取り消し", "取消し"),
                           ("処理", "処理"), ("aws-node", "aws-node"), ("aws", "aws-node"), ("node", "aws-node"),
                           ("再起動", "再起動")]
    assert [t.pos for t in WordAnalyzer()(text, positions=True)] == [0, 1, 2, 2, 3, 4, 4, 4, 5]


def test_query_words_tell_a_sentence_from_a_compound():
    assert query_words("メールが届かない") == (["メール", "届く"], True)
    assert query_words("接続が切れる") == (["接続", "切れる"], True)
    assert query_words("ゾンビプロセス") == (["ゾンビ", "プロセス"], False)


def test_the_analyzer_pickles_without_a_tokenizer():
    analyzer = WordAnalyzer()
    words("メール")  # the tokenizer exists now, in the module's cache
    assert len(pickle.dumps(analyzer)) < 1000
    assert pickle.loads(pickle.dumps(analyzer)) == analyzer


# --- searching ----------------------------------------------------------------------------------------


@pytest.fixture
def indexed(db, django_capture_on_commit_callbacks):
    def create(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return IncidentFactory(**fields)
    return create


def refs(results):
    return [hit.reference for hit in results.hits]


@pytest.mark.parametrize("word, longer", [("ポート", "サポート"), ("ソース", "リソース"), ("ロード", "ダウンロード")])
def test_a_word_match_is_never_outranked_nor_crowded_out_by_a_part_of_a_word(indexed, editor, word, longer):
    # The longer word in the title (boosted) and many times over; the word itself once, in the summary.
    trap = indexed(title=f"{longer}の障害", summary=f"{longer}、{longer}、{longer}が遅い")
    real = indexed(title="障害の記録", summary=f"{word}が閉じていた")
    results = search.search(word, editor)
    assert refs(results) == [real.reference] and results.partial_words is False
    assert trap.reference not in refs(search.search(word, editor, page_size=100))
    # With no word match at all, the parts of words are found, and the results say so.
    real.delete()
    search.follower.catch_up()
    fallback = search.search(word, editor)
    assert refs(fallback) == [trap.reference] and fallback.partial_words is True


def test_a_sentence_query_needs_its_words_in_any_order(indexed, editor):
    mail = indexed(title="メール障害", summary="昨夜からメールが全く届かなくなった")
    settings_only = indexed(title="メールの設定", summary="メールの送信元を変更した")
    reversed_order = indexed(title="配送", summary="届くはずの通知メールが消えた")
    results = search.search("メールが届かない", editor)
    assert set(refs(results)[:2]) == {mail.reference, reversed_order.reference} and not results.partial_words
    # Fewer than FILL matched every word: below them, those with some of the words, said so.
    assert refs(results)[2:] == [settings_only.reference] and results.more_from == 2 and results.more_fallback
    cut = indexed(title="DB", summary="接続がすぐに切れてしまう")
    assert refs(search.search("接続が切れる", editor)) == [cut.reference]


def test_an_explicit_phrase_stays_exact(indexed, editor):
    mail = indexed(title="メール", summary="メールが届かない")
    indexed(title="通知", summary="届かないメールがある")
    assert refs(search.search('"メールが届かない"', editor)) == [mail.reference]


@pytest.mark.parametrize("query", ["ユーザ", "ユーザー", "ﾕｰｻﾞｰ"])
def test_long_vowels_and_half_width_kana_fold_both_ways(indexed, editor, query):
    short = indexed(title="一件目", summary="ユーザが増えた")
    long = indexed(title="二件目", summary="ユーザーが減った")
    half = indexed(title="三件目", summary="ﾕｰｻﾞｰの登録")
    results = search.search(query, editor)
    assert set(refs(results)) == {short.reference, long.reference, half.reference}
    assert not results.partial_words


def test_full_width_latin_okurigana_and_half_width_variants_fold_both_ways(indexed, editor):
    wide = indexed(title="ＡＷＳ の障害", summary="注文の取消しが失敗")
    narrow = indexed(title="aws の障害", summary="注文の取り消しが失敗")
    computer = indexed(title="ｺﾝﾋﾟｭｰﾀ室", summary="コンピュータが停止")
    for query in ("aws", "ＡＷＳ", "取消し", "取り消し"):
        results = search.search(query, editor)
        assert set(refs(results)) == {wide.reference, narrow.reference} and not results.partial_words
    for query in ("コンピューター", "コンピュータ", "ｺﾝﾋﾟｭｰﾀｰ"):
        assert refs(search.search(query, editor)) == [computer.reference]


def test_word_matches_are_highlighted_on_the_original_characters(indexed, editor):
    indexed(title="一件目", summary="夜間にﾕｰｻﾞｰの取消し処理がタイムアウトした")
    snippet = search.search("ユーザー 取り消し", editor).hits[0].snippet
    assert "<mark>ﾕｰｻﾞｰ</mark>" in snippet and "<mark>取消し</mark>" in snippet
    indexed(title="二件目", summary="ゾンビプロセスが溜まった")
    assert "<mark>ゾンビプロセス</mark>" in search.search("ゾンビプロセス", editor).hits[0].snippet


# --- the flag in the API and on the list page ------------------------------------------------------------


def test_search_endpoint_and_list_page_say_when_parts_of_words_matched(indexed, viewer_client, viewer_api):
    indexed(title="サポート窓口", summary="サポートの電話が鳴り続けた")
    body = viewer_api.get("/api/v1/search/", {"q": "ポート"}).json()
    assert body["partial_words"] is True and body["count"] == 1 and body["fallback"] is False
    assert viewer_api.get("/api/v1/search/", {"q": "サポート"}).json()["partial_words"] is False
    page = viewer_client.get("/incidents/", {"q": "ポート"}).content.decode()
    assert "No incident has these words as words; showing incidents where they are part of longer words." in page
    page = viewer_client.get("/incidents/", {"q": "ポート"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "単語として一致する障害がないため、より長い語の一部として含む障害を表示しています。" in page


def test_an_index_built_without_the_word_fields_is_rebuilt(indexed, editor, monkeypatch, settings):
    from incidents.search import follower
    from incidents.search.backends import whoosh as engine

    settings.SEARCH_BACKEND = "whoosh"  # tantivy's case: tests/conformance/test_search_engines.py

    port = indexed(title="ポートの障害")
    current = engine.make_schema

    def previous_schema():
        schema = current()
        for name in ("title_words", "label_words", "words"):
            schema.remove(name)
        return schema

    monkeypatch.setattr(engine, "make_schema", previous_schema)
    follower.create_empty()  # the index as the previous version built it
    monkeypatch.setattr(engine, "make_schema", current)
    assert follower.needs_rebuild() == "it was built by an older version (its fields differ)"
    assert follower.repair() and follower.needs_rebuild() == ""
    assert refs(search.search("ポート", editor)) == [port.reference]
