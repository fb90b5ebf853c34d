"""The factor graph laid out by Graphviz (incidents.diagram): the DOT it writes (no database), the layout it
reads back (boxes that hold every line, arrows around other boxes), and a list only when dot is missing."""

import logging
import re
import shutil
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from incidents import diagram
from incidents.text.linebreak import NO_LINE_END, NO_LINE_START

needs_dot = pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot is not installed")
LONG_JA = ("ノードの kernel.pid_max（既定値 32768）に、aws-node の再起動で増え続けたゾンビプロセスが達し、"
           "新しいプロセスを作れなくなった。「手動での再起動」が必要だった……その間、監視は何も知らせなかった。")


def factor(pk, description, category="defect", effects=()):
    return SimpleNamespace(pk=pk, description=description, category=category,
                           leads_to=SimpleNamespace(all=lambda: list(effects)))


def chain(*descriptions):
    """Factors where each leads to the next."""
    made = []
    for pk, description in reversed(list(enumerate(descriptions, start=1))):
        made.insert(0, factor(pk, description, effects=made[:1]))
    return made


def labels(source):
    return {name: label.split("\\l")[:-1] for name, label in re.findall(r'(n\d+) \[[^\]]*label="((?:[^"\\]|\\.)*)"', source)}


def test_the_dot_source_has_every_factor_wrapped_by_kinsoku_and_every_edge():
    boxes = diagram.boxes([LONG_JA, "`default-address-pools` が足りない", 'a "quoted" \\N name'])
    source = diagram.dot_source(boxes, [(0, 1), (1, 2), (0, 2)], "LR")
    assert "rankdir=LR" in source and "fixedsize=true" in source
    assert re.findall(r"(n\d) -> (n\d);", source) == [("n0", "n1"), ("n1", "n2"), ("n0", "n2")]
    lines = labels(source)["n0"]
    assert len(lines) > 3 and lines[-1].endswith("何も知らせなかった。")  # every line, none cut
    assert "".join(lines).replace(" ", "") == LONG_JA.replace(" ", "")
    assert not [line for line in lines if line[0] in NO_LINE_START or line[-1] in NO_LINE_END]
    assert "kernel.pid_max" in "\n".join(lines) and "aws-node" in "\n".join(lines)  # identifiers whole
    assert labels(source)["n1"] == ["default-address-pools", "が足りない"]  # the code span without backticks
    assert labels(source)["n2"] == ['a \\"quoted\\" \\\\N name']  # escaped: dot draws it as written
    assert f"height={boxes[0].height / 72:.4f}" in source and boxes[0].height > boxes[1].height


@needs_dot
def test_every_box_holds_all_its_lines_and_no_arrow_crosses_another_box():
    # a → b → c and a → c: drawn by hand, the arrow a → c ran behind b
    factors = chain("a " * 80, "b " * 60, "c")
    factors[0].leads_to = SimpleNamespace(all=lambda: [factors[1], factors[2]])
    graph = diagram.factor_graph(factors)
    for drawn in (*(layout for layout, _variant in graph["screens"]), graph["print"]):
        boxes = drawn["boxes"]
        for box in boxes:
            assert box["lines"][-1]["y"] + 4 <= box["y"] + box["h"]
            assert 0 <= box["x"] and box["x"] + box["w"] <= drawn["width"]
            assert 0 <= box["y"] and box["y"] + box["h"] <= drawn["height"]
        assert len(boxes[0]["lines"]) == (7 if boxes[0]["w"] == diagram.NODE_W else 8) and "…" not in str(boxes[0]["lines"])
        assert sorted((edge["cause"], edge["effect"]) for edge in drawn["edges"]) == [(0, 1), (0, 2), (1, 2)]
        for edge in drawn["edges"]:
            others = [box for index, box in enumerate(boxes) if index not in (edge["cause"], edge["effect"])]
            for x, y in bezier(edge["points"]):
                assert not [b for b in others if b["x"] + 1 < x < b["x"] + b["w"] - 1 and b["y"] + 1 < y < b["y"] + b["h"] - 1]
            end, target = edge["points"][-1], boxes[edge["effect"]]  # the arrowhead (10 px) reaches the box
            gap = max(target["x"] - end[0], end[0] - target["x"] - target["w"], target["y"] - end[1],
                      end[1] - target["y"] - target["h"])
            assert 0 < gap <= 12


def test_dot_s_long_lines_are_read_whole():
    plain = ('graph 1 2 1\nnode n0 1 0.5 2 1 "node n9 9 9 9 9 \\\nnode n9 9 9 9 9\\l" solid box black lightgrey\n'
             "edge n0 n0 4 0 0 1 1 \\\n2 2 3 3 solid black\nedge n0 n0 4 0 0 1 1 2 2 3 3 invis black\nstop\n")
    assert diagram.parse_plain(plain) == (144, 72, {"n0": (0, 0, 144, 72)},
                                          [("n0", "n0", [(0, 72), (72, 0), (144, -72), (216, -144)])])


def bezier(points, steps=20):
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start:start + 4]
        for i in range(steps + 1):
            t = i / steps
            yield tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d
                        for a, b, c, d in zip(p0, p1, p2, p3))


@needs_dot
def test_a_long_chain_gets_a_narrower_layout_for_small_screens_and_print():
    graph = diagram.factor_graph(chain("one", "two", "three", "four", "five"))
    (wide, wide_class), (narrow, narrow_class) = graph["screens"]
    assert (wide["id"], wide_class, narrow["id"], narrow_class) == (
        "factor-graph-lr", "factor-graph-wide", "factor-graph-narrow", "factor-graph-narrow")
    assert narrow["rankdir"] == "TB" and narrow["width"] < 200 and narrow["boxes"][0]["w"] == diagram.NARROW_W
    assert graph["print"]["id"] == "factor-graph-tb" and graph["print"]["width"] < 250  # the A4 column is 680 px
    single = diagram.factor_graph([factor(1, "alone")], name="g-7")
    assert [(drawn["id"], variant) for drawn, variant in single["screens"]] == [("g-7-lr", "")]


@needs_dot
def test_on_small_screens_separate_parts_stack_one_below_the_other():
    parts = [*chain("a1", "a2"), *chain("b1", "b2"), factor(9, "alone")]
    for index, made in enumerate(parts):
        made.pk = index + 1
    assert diagram.stacking(5, [(0, 1), (2, 3)]) == [[1, 2], [3, 4]]
    graph = diagram.factor_graph(parts)
    narrow = graph["screens"][-1][0]
    tops = [box["y"] for box in narrow["boxes"]]
    assert tops == sorted(tops) and len(set(tops)) == 5  # one column
    assert [(edge["cause"], edge["effect"]) for edge in narrow["edges"]] == [(0, 1), (2, 3)]  # no invisible one


def test_without_dot_there_is_no_layout_and_it_is_logged_once(monkeypatch, caplog):
    monkeypatch.setattr(diagram, "DOT", "/nonexistent/dot")
    monkeypatch.setattr(diagram, "_warned", [])
    diagram._run_dot.cache_clear()
    cache.clear()  # the layouts kept under their digest
    with caplog.at_level(logging.WARNING, logger="incidents.diagram"):
        first = diagram.factor_graph(chain("a", "b"))
        second = diagram.factor_graph(chain("c", "d"))
    diagram._run_dot.cache_clear()
    cache.clear()  # the layouts kept under their digest
    assert first["screens"] == second["screens"] == [] and first["print"] is None
    assert [node["number"] for node in first["nodes"]] == [1, 2]
    assert len([r for r in caplog.records if "Graphviz" in r.getMessage()]) == 1
