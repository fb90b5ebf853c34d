from html.parser import HTMLParser

import pytest

from incidents.text.markdown import code_runs, render, render_inline


def elements(html):
    """(tag, attributes) of every element in ``html``: what a browser would treat as markup."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "before <script>alert(1)</script> after",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        "<div>\n<script>alert(1)</script>\n</div>",
    ],
)
def test_no_script_reaches_the_page(source):
    markup = elements(render(source))
    assert not {tag for tag, _ in markup} & {"script", "img", "svg", "iframe", "div"}
    for _, attrs in markup:
        assert not [name for name in attrs if name.startswith("on")]
        assert not (attrs.get("href") or "").startswith("javascript:")


def test_pasted_html_is_shown_as_text():
    html = render("The page said <script>alert(1)</script> and <img src=x onerror=alert(1)>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_code_blocks_are_kept_verbatim():
    source = "```\n2023/06/22 02:46:26 [error] connect() failed (113: No route to host)\n<html><title>502</title></html>\n```"
    html = render(source)
    assert html.startswith('<pre tabindex="0"><code>')  # scrolls sideways: keyboard-focusable
    assert "(113: No route to host)" in html
    assert "&lt;html&gt;&lt;title&gt;502&lt;/title&gt;&lt;/html&gt;" in html


def test_fenced_code_language_and_tables_and_links():
    html = render("```bash\ncat /proc/sys/kernel/pid_max\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[doc](https://example.com)")
    assert '<code class="language-bash">' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_japanese_text_and_empty_input():
    assert render("**メモリリーク**を確認") == "<p><strong>メモリリーク</strong>を確認</p>"
    assert render("") == "" and render("   ") == ""


def test_table_alignment_as_style_for_exports_or_as_align_for_pages():
    source = "| a | b | c |\n| :-- | :-: | --: |\n| 1 | 2 | 3 |"
    assert '<td style="text-align:center">2</td>' in render(source)
    page = render(source, align_attribute=True)
    assert '<td align="center">2</td>' in page and '<th align="right">c</th>' in page and "style" not in page


def test_render_inline_shows_code_and_emphasis_but_no_blocks():
    assert render_inline("`default-address-pools` を **増やす**") == (
        "<code>default-address-pools</code> を <strong>増やす</strong>")
    assert render_inline("1. first") == "1. first"
    assert render_inline("# not a heading") == "# not a heading"
    assert render_inline("one\n\ntwo") == "one two"
    assert render_inline("[the docs](https://example.com/x) and pid_max") == "the docs and pid_max"
    assert render_inline("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert render_inline("") == ""


def test_code_runs_split_code_spans_from_plain_text():
    assert code_runs("raise `kernel.pid_max`、**now**") == [("raise ", False), ("kernel.pid_max", True), ("、now", False)]
    assert code_runs("") == []
