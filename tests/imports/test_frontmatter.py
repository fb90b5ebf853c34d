"""Front matter: splitting, line numbers, YAML errors at their line in the file, files that are not text."""

import datetime

import pytest

from incidents.imports.formats import ImportProblem, parse_document
from incidents.imports.frontmatter import normalize, split


def problem(text):
    with pytest.raises(ImportProblem) as caught:
        parse_document(text, name="broken.md")
    return caught.value


def test_split_keeps_file_lines():
    text = "---\ntitle: T\ntags:\n- a\n- b\n---\n# Body\n"
    result = split(text)
    assert result.data == {"title": "T", "tags": ["a", "b"]}
    assert result.key_lines == {"title": 2, "tags": 3}
    assert result.line("tags", 1) == 5
    assert result.line("tags", 9) == 3  # past the items: the key's line
    assert result.body == "# Body\n" and result.body_line == 7


def test_no_front_matter_when_the_first_line_is_not_dashes():
    result = split("\n---\ntitle: T\n---\n")
    assert result.data is None and result.body_line == 1


def test_bom_and_crlf_are_tolerated():
    parsed = parse_document("\ufeff---\r\ntitle: Café\r\nseverity: sev1\r\n---\r\nBody line\r\n")
    assert parsed.document["title"] == "Café"
    assert parsed.document["analysis"] == "Body line"
    assert normalize(b"a\r\nb\rc") == "a\nb\nc"


def test_closing_dots_and_empty_front_matter():
    assert split("---\ntitle: T\n...\nbody").data == {"title": "T"}
    assert split("---\n---\nbody").data == {}


def test_yaml_booleans_are_only_true_and_false():
    assert split("---\ntitle: No\nother: yes\nflag: true\n---\n").data == {"title": "No", "other": "yes", "flag": True}


def test_an_impossible_date_stays_text():
    assert split("---\nwhen: 2026-13-45\n---\n").data == {"when": "2026-13-45"}


@pytest.mark.parametrize("text, line", [
    ("---\ntitle: A\nsummary: [unclosed\n---\nbody\n", 3),
    ("---\ntitle: A\nseverity: sev1\n  nested: wrong\n---\n", 4),
    ('---\ntitle: A\nb: "no end\n---\n', 3),
    ("---\ntitle: A\n\tx: 1\n---\n", 3),
    ("---\n- a list\n- not a mapping\n---\n", 2),
    ("---\njust text\n---\n", 2),
])
def test_broken_front_matter_names_the_file_line(text, line):
    error = problem(text)
    assert error.line == line
    assert str(error).startswith(f"line {line}: ")


def test_unterminated_front_matter():
    error = problem("---\ntitle: A\n\n# Heading\nText\n")
    assert error.line == 1 and "never closed" in error.message


def test_not_text():
    assert problem(b"\xff\xfe\x00binary").line is None
    assert "NUL" in problem("# Title\nA\x00B").message
    assert problem(12345).message == "not text"


def test_no_title_at_all():
    error = problem("- just\n- a list\n")
    assert error.line is None and "title" in str(error)
    assert "title" in problem("").message


def test_bytes_are_read_as_utf8():
    parsed = parse_document("# 障害報告\n\n概要: テスト\n".encode())
    assert parsed.document["title"] == "障害報告"


def test_key_lines_for_dates():
    result = split("---\npostmortem_date: 2026-11-03\n---\n")
    assert result.data["postmortem_date"] == datetime.date(2026, 11, 3)
