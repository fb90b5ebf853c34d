"""@mentions in Markdown (incidents.text.mentions): user names as Django allows them, found in the text
outside code and links, never in an email address; highlighted where they are found. No database."""

import pytest

from incidents.text import markdown, mentions


@pytest.mark.parametrize("text, names", [
    ("@ann please look", ["ann"]),
    ("thanks @Ann and @bob.", ["ann", "bob"]),  # lower-cased; the sentence's dot is not the name's
    ("@ann @ann @ANN", ["ann"]),  # once each, in order
    ("@j.doe+ops_1-x, ok", ["j.doe+ops_1-x"]),  # what Django's user names allow
    ("@山田 さん、確認お願いします", ["山田"]),
    ("(@ann) [@bob] **@carol**", ["ann", "bob", "carol"]),
    ("mail ann@example.com or @bob@example.com", ["bob"]),  # not inside an address
    ("`@ann` is code", []),
    ("```\n@ann in a fence\n```", []),
    ("    @ann indented code", []),
    ("[@ann](https://example.com/ann)", []),  # a link's text
    ("@ @. @... a@", []),
    ("", []),
    (None, []),
])
def test_find(text, names):
    assert mentions.find(text) == names


def test_a_long_name_is_cut_at_djangos_limit():
    assert mentions.find("@" + "a" * 200) == ["a" * 150]


def test_highlight_wraps_mentions_outside_code():
    html = markdown.render("hi @Ann, see `@bob` and ann@example.com.")
    assert mentions.highlight(html) == ('<p>hi <span class="mention">@Ann</span>, see <code>@bob</code> '
                                        "and ann@example.com.</p>")


def test_highlight_only_the_names_given():
    html = markdown.render("@ann and @nobody.")
    assert mentions.highlight(html, ["ANN"]) == '<p><span class="mention">@ann</span> and @nobody.</p>'


def test_highlight_leaves_html_without_mentions_alone():
    html = markdown.render("no mention <here> & there")
    assert mentions.highlight(html) == html
