"""Identifiers in mixed Japanese/English text: paths by prefix directories and suffixes, versions with and
without ``v`` and by major.minor, error and hex codes whole (never stemmed), with both analyzers (the
bigram fields' ``MixedAnalyzer`` and the word fields' ``WordAnalyzer``) and through ``search.search``."""

import pytest

from incidents import search
from incidents.search.analysis import MAX_EXTRA_FORMS, MixedAnalyzer, word_forms
from incidents.search.backends.whoosh_text import WordAnalyzer
from tests.factories import IncidentFactory

ANALYZERS = {"bigrams": MixedAnalyzer(), "words": WordAnalyzer()}


def tokens(analyzer, text, mode="index"):
    return [t.text for t in ANALYZERS[analyzer](text, mode=mode)]


both = pytest.mark.parametrize("analyzer", sorted(ANALYZERS))

DOCKER = "/etc/docker/daemon.json の log-opts を変更後に dockerd を再起動"
NGINX = "/etc/nginx/conf.d/default.conf の upstream 設定を修正してリロード"
KUBELET = "kubelet v1.27.3 へ上げたら Pod が NotReady になった"


# --- the analyzers ----------------------------------------------------------------------------------------


@both
def test_a_path_is_indexed_by_its_prefix_directories_and_its_suffixes(analyzer):
    found = set(tokens(analyzer, DOCKER))
    assert {"etc/docker/daemon.json", "etc/docker", "docker/daemon.json", "daemon.json", "log-opts"} <= found
    found = set(tokens(analyzer, NGINX))
    assert {"etc/nginx/conf.d/default.conf", "etc/nginx", "etc/nginx/conf.d",  # prefix directories
            "default.conf", "conf.d/default.conf", "nginx/conf.d/default.conf",  # suffixes
            "conf.d", "nginx/conf.d"} <= found  # and the middle
    # A query keeps the path whole (its leading / is not part of it).
    assert tokens(analyzer, "/etc/nginx/ を見る", mode="query")[0] == "etc/nginx"


@both
def test_a_url_is_indexed_without_its_scheme_and_by_its_parts(analyzer):
    found = set(tokens(analyzer, "修正は https://github.com/org/repo/pull/12 でマージ済み"))
    assert {"https://github.com/org/repo/pull/12", "github.com/org/repo/pull/12", "github.com/org/repo",
            "org/repo", "pull/12", "repo"} <= found


def test_a_long_path_adds_a_bounded_number_of_forms():
    path = "/".join(f"d{index}" for index in range(40)) + "/file.txt"
    forms = word_forms(path.lower())
    pieces = {piece for piece in path.replace(".", "/").split("/")}
    extras = [form for form in forms[1:] if form not in pieces]
    assert len(extras) == MAX_EXTRA_FORMS
    assert {"file.txt", "d0/d1", "d39/file.txt"} <= set(extras)  # the nearest prefix and suffixes come first


@both
def test_a_huge_pasted_run_gives_its_pieces_and_a_dozen_forms_more(analyzer):
    blob = "/".join(str(number) for number in range(20000))  # one run of 108,889 characters
    found = tokens(analyzer, blob)
    assert len(found) == 1 + MAX_EXTRA_FORMS + 20000 and found[0] == blob


@both
def test_a_version_is_indexed_without_v_and_by_major_minor(analyzer):
    found = tokens(analyzer, KUBELET)
    assert {"1.27.3", "1.27", "kubelet"} <= set(found)
    assert "v1.27.3" not in found  # a query never searches it: v1.27.3 is searched as 1.27.3
    assert {"1.27.3", "1.27"} <= set(tokens(analyzer, "containerd 1.27.3 に戻した"))
    for query, searched in (("v1.27.3", "1.27.3"), ("V1.27", "1.27"), ("1.27", "1.27"), ("v1", "v1")):
        assert tokens(analyzer, query, mode="query") == [searched]
    # Not versions: a word with a version-like tail, a duration.
    assert "1.2" not in tokens(analyzer, "dev1.2 で 0.5s 遅延")


@both
def test_addresses_and_networks_stay_whole(analyzer):
    found = tokens(analyzer, "172.31.0.0/16 のルートが消えた")
    assert {"172.31.0.0/16", "172.31.0.0", "172.31"} <= set(found)  # 172.31 as a major.minor: acceptable
    assert tokens(analyzer, "172.31.0.0/16", mode="query") == ["172.31.0.0/16"]
    assert tokens(analyzer, "10.0.3.15:5432 に接続", mode="query")[0] == "10.0.3.15:5432"


@both
@pytest.mark.parametrize("code", ["0x7f3a9c", "ECONNREFUSED", "EBUSY", "EACCES", "E11000", "ENOTFOUND",
                                  "3f9a2c1d4e5b6a7980123456789abcdef0123456", "deadbeef"])
def test_error_and_hex_codes_are_kept_whole_and_never_stemmed(analyzer, code):
    assert tokens(analyzer, f"{code} を返し続けた")[0] == code.lower()
    assert tokens(analyzer, code, mode="query") == [code.lower()]
    assert tokens(analyzer, code.lower(), mode="query") == [code.lower()]


@both
def test_compound_error_names_are_found_whole_and_by_their_pieces(analyzer):
    found = tokens(analyzer, "Chrome で ERR_CONNECTION_REFUSED が表示された")
    assert {"err_connection_refused", "err", "connect", "refus"} <= set(found)  # pieces are plain words
    assert tokens(analyzer, "ERR_CONNECTION_REFUSED", mode="query") == ["err_connection_refused"]
    # A git SHA also by its short form.
    assert "3f9a2c1" in tokens(analyzer, "3f9a2c1d4e5b6a7980123456789abcdef0123456 をリバート")


# --- searching --------------------------------------------------------------------------------------------


@pytest.fixture
def indexed(db, django_capture_on_commit_callbacks):
    def create(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return IncidentFactory(**fields)
    return create


def refs(query, user):
    return [hit.reference for hit in search.search(query, user, page_size=50).hits]


def test_paths_are_found_by_prefix_directories_suffixes_and_file_names(indexed, editor):
    docker = indexed(title="Docker のログ設定", summary=DOCKER)
    nginx = indexed(title="nginx の設定ミス", summary=NGINX)
    decoy = indexed(title="別の nginx", summary="/etc/nginx2/nginx.conf を直した")
    for query in ("daemon.json", "/etc/docker", "docker/daemon.json", "/etc/docker/daemon.json"):
        assert refs(query, editor) == [docker.reference], query
    for query in ("/etc/nginx", "/etc/nginx/", "conf.d/default.conf", "nginx/conf.d", "default.conf"):
        assert refs(query, editor) == [nginx.reference], query
    assert refs("/etc/nginx2", editor) == [decoy.reference]
    # The whole run is marked where a part of it matched.
    snippet = search.search("/etc/nginx", editor).hits[0].snippet
    assert "<mark>etc/nginx/conf.d/default.conf</mark>" in snippet


def test_versions_are_found_with_and_without_v_and_by_major_minor(indexed, editor):
    kubelet = indexed(title="ノード障害", summary=KUBELET)
    containerd = indexed(title="ランタイム", summary="containerd 1.6.21 に戻したら復旧した")
    indexed(title="別のバージョン", summary="kubelet 1.28.0 と containerd 1.7.2 の検証")  # a decoy
    for query in ("v1.27.3", "1.27.3", "1.27", "v1.27"):
        assert refs(query, editor) == [kubelet.reference], query
    for query in ("v1.6.21", "1.6.21", "v1.6"):
        assert refs(query, editor) == [containerd.reference], query
    assert refs("1.2", editor) == []


def test_networks_urls_and_codes_are_found_as_typed(indexed, editor):
    route = indexed(title="VPC", summary="172.31.0.0/16 のルートが消えた")
    url = indexed(title="修正", summary="修正は https://github.com/org/repo/pull/12 でマージ済み")
    refused = indexed(title="接続拒否", summary="接続先が ECONNREFUSED を返し続けた")
    mongo = indexed(title="Mongo", summary="mongod が E11000 duplicate key error を返した")
    chrome = indexed(title="ブラウザ", summary="Chrome で ERR_CONNECTION_REFUSED が表示された")
    crash = indexed(title="クラッシュ", summary="アドレス 0x7f3a9c で segfault、HTTP 502 が多発")
    revert = indexed(title="切り戻し", summary="3f9a2c1d4e5b6a7980123456789abcdef0123456 をリバートした")
    expected = {
        "172.31.0.0/16": route, "172.31.0.0": route, "172.31": route,
        "github.com/org/repo": url, "org/repo": url, "pull/12": url, "https://github.com/org/repo/pull/12": url,
        "ECONNREFUSED": refused, "econnrefused": refused, "E11000": mongo, "e11000": mongo,
        "ERR_CONNECTION_REFUSED": chrome, "0x7F3A9C": crash, "HTTP 502": crash, '"HTTP 502"': crash,
        "3f9a2c1": revert, "3F9A2C1D4E5B6A7980123456789ABCDEF0123456": revert,
    }
    for query, incident in expected.items():  # first: the glossary may add others after it (ECONNREFUSED = 接続拒否)
        assert refs(query, editor)[:1] == [incident.reference], query
    assert refs("E11000", editor) == [mongo.reference]
    # ERR_CONNECTION_REFUSED is also found by its words; the glossary adds 接続拒否 (in a title: it may rank first).
    assert set(refs("connection refused", editor)) == {chrome.reference, refused.reference}
    assert refs("refused", editor) == [chrome.reference]  # ECONNREFUSED is not stemmed into "refus"


def test_identifiers_in_an_exact_phrase_match_in_both_fields(indexed, editor):
    # An exact phrase with Japanese in it needs its words in the word fields and its bigrams in the
    # bigram fields: the identifier forms are at the run's position in both.
    docker = indexed(title="Docker のログ設定", summary=DOCKER)
    kubelet = indexed(title="ノード障害", summary=KUBELET)
    assert refs('"daemon.json の log-opts"', editor) == [docker.reference]
    assert refs('"/etc/docker の"', editor) == [docker.reference]  # a prefix stands where the path does
    assert refs('"kubelet v1.27.3 へ上げたら"', editor) == [kubelet.reference]
    assert refs('"1.27 へ上げたら"', editor) == [kubelet.reference]
