"""incidents.actions.glossary: entries created, changed and deleted (search sees each at once in this
process), and the seed loaded: missing keys created, edits kept unless replaced, others never touched."""

import pytest
from django.core.exceptions import ValidationError

from incidents.actions.glossary import add_terms, delete_entries, delete_entry, load_seed, save_entry
from incidents.models import GlossaryEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty(db):
    GlossaryEntry.objects.all().delete()


def expanded(word):
    return [(expansion.key, expansion.others) for expansion in GlossaryEntry.objects.expansions([word])]


def test_save_creates_then_changes_an_entry_and_search_follows(empty):
    entry = save_entry(GlossaryEntry(), key="deadlock", category="symptom", terms=[" デッドロック ", "deadlock"])
    stored = GlossaryEntry.objects.get(key="deadlock")
    assert stored.pk == entry.pk and stored.terms == ["デッドロック", "deadlock"] and stored.enabled
    assert expanded("デッドロック") == [("deadlock", ("deadlock",))]
    save_entry(stored, terms=["デッドロック", "相互待ち"], enabled=True)
    assert GlossaryEntry.objects.get(pk=entry.pk).terms == ["デッドロック", "相互待ち"]
    assert expanded("相互待ち") == [("deadlock", ("デッドロック",))]
    save_entry(stored, enabled=False)
    assert expanded("相互待ち") == []


def test_bad_terms_are_refused_and_nothing_is_stored(empty):
    with pytest.raises(ValidationError) as refused:
        save_entry(GlossaryEntry(), key="slow", category="symptom", terms=["Slow", "slow"])
    assert "terms" in refused.value.message_dict
    assert not GlossaryEntry.objects.exists()


def test_delete_one_or_several(empty):
    for key in ("a", "b", "c"):
        save_entry(GlossaryEntry(), key=key, category="symptom", terms=[f"term-{key}"])
    assert expanded("term-a") == [("a", ())]
    assert delete_entry(GlossaryEntry.objects.get(key="a")) == 1
    assert expanded("term-a") == []
    assert delete_entries(GlossaryEntry.objects.filter(key__in=["b", "c", "gone"])) == 2
    assert not GlossaryEntry.objects.exists()


SEED = [
    {"key": "restart", "category": "action", "terms": ["再起動", "restart"], "enabled": True},
    {"key": "user", "category": "component", "terms": ["ユーザー", "user"], "enabled": True},
    {"key": "k8s", "category": "product", "terms": ["Kubernetes", "k8s"], "enabled": False},
]


def test_the_seed_creates_the_missing_and_keeps_edits_unless_replaced(empty):
    save_entry(GlossaryEntry(), key="restart", category="action", terms=["再起動", "restart", "再実行"])
    save_entry(GlossaryEntry(), key="mine", category="symptom", terms=["独自"])
    assert load_seed(SEED) == (2, 0, 1)
    assert GlossaryEntry.objects.get(key="restart").terms == ["再起動", "restart", "再実行"]
    assert GlossaryEntry.objects.get(key="k8s").enabled is False
    assert load_seed(SEED) == (0, 0, 3)
    assert load_seed(SEED, replace=True) == (0, 1, 2)  # only the entry that differs is written
    assert GlossaryEntry.objects.get(key="restart").terms == ["再起動", "restart"]
    assert GlossaryEntry.objects.get(key="mine").terms == ["独自"]  # not in the seed: never touched
    assert GlossaryEntry.objects.count() == 4


def test_add_terms_appends_what_the_entry_lacks(db):
    entry = GlossaryEntry.objects.create(key="slow-response", category="symptom", terms=["応答が遅い", "サーバー遅延"])
    assert add_terms(entry, ["サーバ遅延", "レスポンスが遅い", "slow response"]) == ["レスポンスが遅い", "slow response"]
    entry.refresh_from_db()
    assert entry.terms == ["応答が遅い", "サーバー遅延", "レスポンスが遅い", "slow response"]
    assert add_terms(entry, ["SLOW RESPONSE"]) == []
