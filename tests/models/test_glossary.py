"""The glossary: the seed file, the pure matching, the stored entries and the cached loader."""

import collections

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from incidents import glossary
from incidents.models import GlossaryEntry, current_glossary
from incidents.models import glossary as stored

SEED = glossary.read_seed()


# --- the seed file


def test_the_seed_has_a_few_hundred_groups_in_every_category():
    assert len(SEED) >= 250
    categories = collections.Counter(group["category"] for group in SEED)
    assert set(categories) == set(glossary.CATEGORIES)


def test_every_group_has_a_japanese_and_an_english_term():
    for group in SEED:
        assert any(glossary.is_japanese(term) for term in group["terms"]), group["key"]
        assert any(not glossary.is_japanese(term) and any(c.isascii() and c.isalpha() for c in term)
                   for term in group["terms"]), group["key"]


def test_keys_are_unique_and_no_term_is_in_two_groups():
    keys = [group["key"] for group in SEED]
    assert len(keys) == len(set(keys))
    owner, clashes = {}, []
    for group in SEED:
        for term in group["terms"]:
            first = owner.setdefault(glossary.fold(term), group["key"])
            if first != group["key"]:
                clashes.append((term, first, group["key"]))
    assert clashes == []


def test_the_seed_covers_the_vocabulary_asked_for():
    by_term = glossary.Glossary((g["key"], g["category"], g["terms"]) for g in SEED)
    for term in ["障害", "停止", "劣化", "メモリ", "ファイルディスクリプタ", "fd", "pid", "タイムアウト", "遅延",
                 "ECONNREFUSED", "名前解決", "メモリリーク", "相互待ち", "枯渇", "再起動", "切り戻し", "切り替え",
                 "LB", "cert", "プロキシ", "ETIMEDOUT", "No space left on device", "OOMKilled", "502 Bad Gateway",
                 "EADDRINUSE", "k8s", "pg", "Elasticsearch"]:
        assert by_term.lookup(term), term


def test_a_bad_seed_is_refused_naming_the_group(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("- {key: a, category: symptom, terms: [x, X]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"group 1 \(a\).*repeats"):
        glossary.read_seed(seed)
    seed.write_text("- {key: a, category: weather, terms: [x]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="category"):
        glossary.read_seed(seed)
    seed.write_text("- {key: a, category: error, terms: [502]}\n", encoding="utf-8")  # an unquoted number
    with pytest.raises(ValueError, match="not a string"):
        glossary.read_seed(seed)


# --- the pure matching

SMALL = glossary.Glossary([
    ("connection-refused", "symptom", ["接続拒否", "connection refused", "ECONNREFUSED"]),
    ("kubernetes", "product", ["Kubernetes", "k8s"]),
    ("user", "component", ["ユーザー", "user"]),
    ("server", "component", ["サーバ", "server"]),
    ("enospc", "error", ["ENOSPC", "No space left on device"]),
    ("space", "resource", ["空き容量", "space"]),
])


def expand(*words):
    return [(e.text, e.key, e.others) for e in SMALL.expand(words)]


def test_expansion_goes_both_ways():
    assert expand("接続拒否") == [("接続拒否", "connection-refused", ("connection refused", "ECONNREFUSED"))]
    assert expand("ECONNREFUSED") == [("ECONNREFUSED", "connection-refused", ("接続拒否", "connection refused"))]
    assert expand("k8s") == [("k8s", "kubernetes", ("Kubernetes",))]
    assert expand("KUBERNETES") == [("KUBERNETES", "kubernetes", ("k8s",))]


def test_long_vowel_width_and_case_are_folded():
    # The query's own spelling is left out of the others; the stored variant is kept (it is spelled otherwise).
    assert expand("ユーザ") == [("ユーザ", "user", ("ユーザー", "user"))]
    assert expand("サーバー") == [("サーバー", "server", ("サーバ", "server"))]
    assert expand("ｻｰﾊﾞｰ") == [("ｻｰﾊﾞｰ", "server", ("サーバ", "server"))]
    assert expand("ＥＣＯＮＮＲＥＦＵＳＥＤ")[0][1] == "connection-refused"
    assert glossary.fold("ユーザー") == glossary.fold("ユーザ") != glossary.fold("ユー")
    assert glossary.fold("コーヒー") == glossary.fold("コーヒ") != glossary.fold("コヒ")  # only the trailing mark


def test_consecutive_words_match_a_phrase_longest_first():
    found = SMALL.expand(["nginx", "connection", "refused", "No", "space", "left", "on", "device"])
    assert [(e.start, e.end, e.key) for e in found] == [(1, 3, "connection-refused"), (3, 8, "enospc")]
    assert found[0].describe() == "glossary: connection refused = 接続拒否, ECONNREFUSED"
    assert expand("space") == [("space", "space", ("空き容量",))]  # alone, the word is its own term
    assert expand("nginx", "refused") == []


def test_an_ambiguous_term_expands_to_each_of_its_entries():
    both = glossary.Glossary([("a", "product", ["ES", "Elasticsearch"]), ("b", "product", ["es", "ECMAScript"])])
    assert [(e.key, e.others) for e in both.expand(["ES"])] == [("a", ("Elasticsearch",)), ("b", ("ECMAScript",))]


@pytest.mark.parametrize("terms, message", [
    ([], "At least one term"),
    (["ok", "  "], "blank"),
    (["x" * 101], "longer than 100"),
    (["Timeout", "timeout"], "repeats"),
    (["サーバー", "サーバ"], "repeats"),
    (["ok", 3], "not a string"),
    ("timeout", "list"),
])
def test_bad_terms_are_refused(terms, message):
    with pytest.raises(ValueError) as exc:
        glossary.clean_terms(terms)
    assert any(message in problem for problem in exc.value.args[0])


def test_terms_are_stripped_and_single_spaced():
    assert glossary.clean_terms(["  connection   refused ", "接続拒否"]) == ["connection refused", "接続拒否"]


# --- stored entries and the cached loader


@pytest.fixture
def seeded(db):
    # Migration 0006 loads the seed, but a transactional test elsewhere may have flushed the table since.
    call_command("load_glossary", verbosity=0)
    return GlossaryEntry.objects


def keys(words):
    return [(e.text, e.key) for e in GlossaryEntry.objects.expansions(words)]


def test_stored_seed_expands_both_ways(seeded):
    assert seeded.count() == len(SEED)
    found = GlossaryEntry.objects.expansions(["接続拒否"])
    assert [e.key for e in found] == ["connection-refused"]
    assert {"connection refused", "ECONNREFUSED"} <= set(found[0].others)
    assert "接続拒否" in GlossaryEntry.objects.expansions(["ECONNREFUSED"])[0].others
    assert "Kubernetes" in GlossaryEntry.objects.expansions(["k8s"])[0].others
    assert keys(["ユーザ"]) == [("ユーザ", "user")] and "ユーザー" in current_glossary().expand(["ユーザ"])[0].others


def test_a_disabled_entry_expands_nothing(seeded):
    entry = GlossaryEntry.objects.get(key="connection-refused")
    entry.enabled = False
    entry.save()
    assert keys(["接続拒否", "ECONNREFUSED"]) == []
    assert keys(["k8s"]) == [("k8s", "kubernetes")]


def test_an_admin_edit_is_seen_by_the_loader(seeded, client, user):
    assert keys(["ぬるぽ"]) == []
    user("admin", username="staff", is_staff=True)
    assert client.post(reverse("login"), {"username": "staff", "password": "pw"}).status_code == 302
    entry = GlossaryEntry.objects.get(key="null-pointer")
    response = client.post(reverse("admin:incidents_glossaryentry_change", args=[entry.pk]), {
        "key": "null-pointer", "category": "error", "enabled": "on",
        "terms": "\n".join(entry.terms) + "\n\n  ぬるぽ  \n",
    })
    assert response.status_code == 302
    assert GlossaryEntry.objects.get(pk=entry.pk).terms[-1] == "ぬるぽ"
    assert keys(["ぬるぽ"]) == [("ぬるぽ", "null-pointer")]


def test_admin_refuses_repeated_terms_and_finds_entries_by_term(seeded, client, user):
    user("admin", username="staff", is_staff=True)
    client.post(reverse("login"), {"username": "staff", "password": "pw"})
    response = client.post(reverse("admin:incidents_glossaryentry_add"), {
        "key": "new-one", "category": "symptom", "terms": "遅い応答\nSlow\nslow", "enabled": "on"})
    assert response.status_code == 200 and "repeats" in response.content.decode()
    page = client.get(reverse("admin:incidents_glossaryentry_changelist"), {"q": "ユーザ"}).content.decode()
    assert "利用者" in page and "接続拒否" not in page
    page = client.get(reverse("admin:incidents_glossaryentry_changelist"), {"category__exact": "product"}).content.decode()
    assert "クバネティス" in page and "接続拒否" not in page


def test_admin_adds_and_deletes_entries_and_search_follows(seeded, client, user):
    user("admin", username="staff", is_staff=True)
    client.post(reverse("login"), {"username": "staff", "password": "pw"})
    response = client.post(reverse("admin:incidents_glossaryentry_add"), {
        "key": "piyo", "category": "symptom", "terms": " ぴよぴよ \npiyo piyo", "enabled": "on"})
    assert response.status_code == 302
    entry = GlossaryEntry.objects.get(key="piyo")
    assert entry.terms == ["ぴよぴよ", "piyo piyo"] and keys(["ぴよぴよ"]) == [("ぴよぴよ", "piyo")]
    response = client.post(reverse("admin:incidents_glossaryentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 302 and not GlossaryEntry.objects.filter(key="piyo").exists()
    assert keys(["ぴよぴよ"]) == []
    chosen = GlossaryEntry.objects.filter(key__in=["kubernetes", "postgresql"])
    response = client.post(reverse("admin:incidents_glossaryentry_changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": list(chosen.values_list("pk", flat=True))})
    assert response.status_code == 302 and not chosen.exists()
    assert keys(["k8s"]) == [] and GlossaryEntry.objects.count() == len(SEED) - 2


def test_another_processs_edit_is_seen_within_the_check_interval(seeded, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(stored.time, "monotonic", lambda: clock[0])
    assert keys(["k8s"]) == [("k8s", "kubernetes")]
    # Another process disables the entry: no signal reaches this one, only the table's stamp changes.
    GlossaryEntry.objects.filter(key="kubernetes").update(enabled=False, updated_at=timezone.now())
    assert keys(["k8s"]) == [("k8s", "kubernetes")]  # within the interval the cache is trusted
    clock[0] += stored.CHECK_SECONDS
    assert keys(["k8s"]) == []
    # A delete elsewhere changes the count.
    assert keys(["pg"]) == [("pg", "postgresql")]
    GlossaryEntry.objects.filter(key="postgresql")._raw_delete(GlossaryEntry.objects.db)
    clock[0] += stored.CHECK_SECONDS
    assert keys(["pg"]) == []


def test_load_glossary_keeps_admin_edits_unless_replace(seeded, tmp_path):
    entry = GlossaryEntry.objects.get(key="restart")
    entry.terms = [*entry.terms, "再実行"]
    entry.save()
    call_command("load_glossary", verbosity=0)
    assert "再実行" in GlossaryEntry.objects.get(key="restart").terms
    call_command("load_glossary", "--replace", verbosity=0)
    assert "再実行" not in GlossaryEntry.objects.get(key="restart").terms
    seed = tmp_path / "bad.yaml"
    seed.write_text("- {key: a, category: nope, terms: [x]}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="category"):
        call_command("load_glossary", "--file", str(seed))


def test_the_model_refuses_bad_terms(db):
    with pytest.raises(ValidationError):
        GlossaryEntry(key="x", category="symptom", terms=["a", "A"]).full_clean()
    with pytest.raises(ValidationError):
        GlossaryEntry(key="x", category="symptom", terms=[]).save()
    entry = GlossaryEntry.objects.create(key="x", category="symptom", terms=["  spaced   out "])
    assert entry.terms == ["spaced out"]


def test_editors_may_change_the_glossary_and_viewers_not(db, editor, viewer):
    for action in ["add", "change", "delete", "view"]:
        assert editor.has_perm(f"incidents.{action}_glossaryentry")
    assert viewer.has_perm("incidents.view_glossaryentry")
    assert not viewer.has_perm("incidents.change_glossaryentry")
    assert Group.objects.get(name="editor").permissions.filter(codename="add_glossaryentry").exists()
