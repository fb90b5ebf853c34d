"""The UI speaks English and Japanese: chosen from Accept-Language, switchable, dates in the user's zone."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_language_follows_accept_language(demo, viewer_client):
    assert "障害一覧" in viewer_client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5").content.decode()
    assert ">Incidents<" in viewer_client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_switcher_sets_the_language(demo, viewer_client):
    response = viewer_client.post("/i18n/setlang/", {"language": "ja", "next": "/patterns/"})
    assert response.status_code == 302 and response["Location"] == "/patterns/"
    page = viewer_client.get("/patterns/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "再発パターン" in page and 'lang="ja"' in page


def test_model_labels_and_durations_are_translated(demo, viewer_client):
    page = viewer_client.get("/incidents/?severity=sev1", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "公開済み" in page
    # a duration in Japanese units (the language switcher's 日本語 is no duration)
    assert re.search(r"\d+ (日|時間|分)", page), "no duration in Japanese units on the page"
    assert not re.search(r"\d+ (d|h|min)\b", page)


def test_switcher_names_each_language_in_itself(demo, viewer_client):
    page = viewer_client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert ">English</option>" in page and ">日本語</option>" in page and "英語" not in page


def test_favicon_is_linked_and_served_at_the_root(demo, viewer_client):
    page = viewer_client.get("/incidents/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = viewer_client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg")


def test_japanese_says_障害_for_an_incident_everywhere():
    """One word for one thing: 障害 (as the menu's 障害一覧), never インシデント, in every translated string."""
    import gettext

    from django.conf import settings
    with open(settings.BASE_DIR / "incidents/locale/ja/LC_MESSAGES/django.mo", "rb") as compiled:
        texts = gettext.GNUTranslations(compiled)._catalog.values()
    assert [text for text in texts if "インシデント" in text.replace("セキュリティインシデント", "")] == []
