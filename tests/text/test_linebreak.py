"""Line breaking for the factor diagram's boxes: identifiers stay whole, Japanese follows kinsoku."""

import pytest

from incidents.text.linebreak import NO_LINE_END, NO_LINE_START, wrap, wrap_runs


def test_an_identifier_that_fits_a_line_is_never_split():
    lines = wrap("Docker の default-address-pools が足りずネットワークを作れなかった", width=26, max_lines=5)
    assert "default-address-pools" in "\n".join(lines)
    assert all(len(line) <= 26 for line in lines)


def test_an_identifier_longer_than_a_line_breaks_after_a_separator():
    lines = wrap("see kube-system/aws-node-termination-handler.yaml now", width=20, max_lines=5)
    assert lines[:3] == ["see kube-system/aws-", "node-termination-", "handler.yaml now"]


def test_a_word_without_separators_is_cut_where_the_line_ends():
    assert wrap("x" * 25, width=10, max_lines=3) == ["x" * 10, "x" * 10, "x" * 5]


@pytest.mark.parametrize("text", [
    "監視の閾値が高すぎた、アラートが鳴らなかった。再起動で回復した（手動）",
    "「設定」を変更した後に、ノードの再起動ーーが必要だった……",
    "ディスク容量の不足・メモリー不足・CPU 使用率の上昇が同時に起きた、【要確認】",
])
@pytest.mark.parametrize("width", [8, 10, 12, 14, 16, 26])
def test_kinsoku_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one(text, width):
    lines = wrap(text, width=width, max_lines=20)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines[1:]:
        assert line[0] not in NO_LINE_START, lines
    for line in lines:
        assert line[-1] not in NO_LINE_END, lines


def test_japanese_counts_double_and_long_text_ends_with_an_ellipsis():
    lines = wrap("あ" * 40, width=10, max_lines=2)
    assert lines == ["あ" * 5, "あ" * 4 + "…"]


def test_whitespace_collapses_and_lines_do_not_start_or_end_with_spaces():
    assert wrap("  a   b\n\nc  ", width=26) == ["a b c"]
    assert wrap("aaaa bbbb cccc", width=9) == ["aaaa bbbb", "cccc"]


def test_code_runs_keep_their_style_across_lines():
    lines = wrap_runs([("Raise ", False), ("default-address-pools", True), (" in daemon.json", False)], width=26)
    assert lines == [[("Raise", False)], [("default-address-pools", True)], [("in daemon.json", False)]]
    assert wrap_runs([("a ", False), ("b", True), (" c", False)]) == [[("a ", False), ("b", True), (" c", False)]]
