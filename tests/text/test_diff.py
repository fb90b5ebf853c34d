"""The character-run diff of the history page (incidents/text/diff.py): Japanese by characters, Latin words,
digits and punctuation as runs."""

from incidents.text.diff import diff, tokens


def test_japanese_is_diffed_by_characters():
    assert diff("名前解決に失敗した", "名前解決が遅延した") == [
        {"op": "equal", "text": "名前解決"}, {"op": "delete", "text": "に失敗"},
        {"op": "insert", "text": "が遅延"}, {"op": "equal", "text": "した"},
    ]


def test_latin_words_digits_and_punctuation_are_runs():
    assert tokens("CoreDNS の ndots:5 を2026年") == ["CoreDNS", " ", "の", " ", "ndots", ":", "5", " ", "を", "2026", "年"]
    assert diff("pid_max 32768", "pid_max 65536") == [
        {"op": "equal", "text": "pid_max "}, {"op": "delete", "text": "32768"}, {"op": "insert", "text": "65536"}]
    assert diff("", "") == []
