"""The contributing factors' graph (``leads_to``: causes point to their effects), laid out by Graphviz.

``dot`` (Debian's ``graphviz`` package) places the boxes and routes the arrows around them; the text is ours:
each description is wrapped into lines beforehand (``text.linebreak``: kinsoku for Japanese, identifiers kept
whole, no line limit) and each box is sized to hold all of its lines, so ``dot`` gets fixed box sizes and
never measures a font. ``dot`` answers in its ``plain`` format (numbers only), from which the templates
draw the SVG with a fixed set of elements (``g``, ``rect``, ``text``, ``tspan``, ``path``, ``title``):
nothing of ``dot``'s own SVG reaches a page, so there is nothing to sanitise.

Without ``dot`` (or when it fails or takes too long) a graph has no layout: the pages show their list of
factors with their effects only, and the first failure is logged.
"""

import functools
import hashlib
import logging
import subprocess
from dataclasses import dataclass

from django.core.cache import cache

from .text.linebreak import wrap_runs
from .text.markdown import code_runs

log = logging.getLogger(__name__)

DOT = "dot"
TIMEOUT = 5  # seconds for one layout; a factor graph takes milliseconds
DOT_CACHE_SECONDS = 30 * 24 * 3600  # a layout depends on its source only (and the Graphviz version)
WRAP, NODE_W = 26, 190  # columns per line in a box (a Japanese character counts two), the box's width in px
NARROW_WRAP, NARROW_W = 20, 150  # the same for small screens
PAD, TITLE_H, LINE_H = 8, 18, 15  # px: inner margin, title line, text line
MARGIN = 4  # px around the drawing (the boxes' strokes)
# Box colours per category (fill, stroke): SVG attributes, so the PDF export draws them too.
COLOURS = {
    "resource-exhaustion": ("#fff1ec", "#d97757"), "capacity": ("#fff1ec", "#d97757"),
    "defect": ("#fff8e1", "#c79a1e"), "change": ("#fff8e1", "#c79a1e"),
    "monitoring-gap": ("#eef7ee", "#5c9e5c"), "process": ("#eef7ee", "#5c9e5c"),
}
DEFAULT_COLOURS = ("#f0f4ff", "#7a9be0")
PRINT_WIDTH = 680  # px: an A4 page's text column; wider layouts are scaled down in the PDF
SCREEN_WIDTH = 1100  # px: the incident page's column at its widest
SMALL_SCREEN = 340  # px: a phone's column; a wider layout gets a second, narrower one for small screens
_warned = []  # the first failure is logged, the next ones are not


@dataclass
class Box:
    """One factor: its wrapped lines (each a list of (text, is_code) runs) and its box size in px."""
    key: str
    lines: list
    width: int = NODE_W

    @property
    def height(self):
        return 2 * PAD + TITLE_H + len(self.lines) * LINE_H


def boxes(descriptions, columns=WRAP, width=NODE_W):
    """A box per description (Markdown: code spans become monospace runs, the rest plain text), every line kept."""
    return [Box(f"n{index}", wrap_runs(code_runs(text), width=columns, max_lines=None), width)
            for index, text in enumerate(descriptions)]


def stacking(count, edges):
    """Invisible edges that put the graph's separate parts (factors not linked to one another) one below
    the other in a top-to-bottom layout, instead of side by side: from a last factor of each part to a
    first one of the next."""
    part = list(range(count))

    def find(index):
        while part[index] != index:
            index = part[index]
        return index

    for cause, effect in edges:
        part[find(cause)] = find(effect)
    parts = {}
    for index in range(count):
        parts.setdefault(find(index), []).append(index)
    causes, effects = {cause for cause, _e in edges}, {effect for _c, effect in edges}
    ordered = list(parts.values())
    return [([i for i in before if i not in causes] or before)[-1:] + ([i for i in after if i not in effects] or after)[:1]
            for before, after in zip(ordered, ordered[1:])]


def _escaped(text):
    """Text inside a DOT string: backslashes and double quotes escaped (so ``\\N`` or ``\\l`` stays text)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot_source(nodes, edges, rankdir="LR", invisible=()):
    """The DOT text of a graph of ``Box``es and (cause index, effect index) edges. Sizes are in inches
    (72 pt, which we draw as px); the label (the wrapped lines, left-aligned) is for a reader of the DOT:
    ``fixedsize=true`` keeps each box as we sized it. ``invisible`` edges only place boxes (``stacking``)."""
    out = [
        "digraph factors {",
        f'  graph [rankdir={rankdir}, nodesep=0.25, ranksep=0.45, splines=true, charset="UTF-8"];',
        '  node [shape=box, fixedsize=true, fontsize=12, fontname="Noto Sans CJK JP"];',
        "  edge [arrowsize=0.8];",
    ]
    for box in nodes:
        label = "".join(_escaped("".join(text for text, _code in line)) + "\\l" for line in box.lines)
        out.append(f'  {box.key} [width={box.width / 72:.4f}, height={box.height / 72:.4f}, label="{label}"];')
    out += [f"  {nodes[cause].key} -> {nodes[effect].key};" for cause, effect in edges]
    out += [f"  {nodes[cause].key} -> {nodes[effect].key} [style=invis];" for cause, effect in invisible]
    out.append("}")
    return "\n".join(out) + "\n"


@functools.lru_cache(maxsize=256)
def _run_dot(source):
    """``dot -Tplain``'s answer for ``source``, kept in the cache (shared by the web processes with CACHE_URL)
    under its digest: the same source always lays out the same, and ``dot`` costs a process per page."""
    key = f"dot:{hashlib.sha1(source.encode()).hexdigest()}"
    plain = cache.get(key)
    if plain is None:
        plain = _dot(source)
        cache.set(key, plain, DOT_CACHE_SECONDS)
    return plain


def _dot(source):
    return subprocess.run([DOT, "-Tplain"], input=source.encode(), capture_output=True, timeout=TIMEOUT,
                          check=True).stdout.decode()


def parse_plain(plain):
    """``dot -Tplain``'s answer in px with y downwards: (width, height, {node: (x, y, w, h)}, [(tail, head,
    [spline points])]). Node and edge lines start with names we chose (``n0`` …) and numbers, so splitting on
    spaces is safe for the fields read here."""
    width = height = 0
    nodes, edges = {}, []
    for line in plain.replace("\\\n", "").splitlines():  # dot continues a long line after a backslash
        fields = line.split()
        if fields[:1] == ["graph"]:
            width, height = float(fields[2]) * 72, float(fields[3]) * 72
        elif fields[:1] == ["node"]:
            x, y, w, h = (float(value) * 72 for value in fields[2:6])
            nodes[fields[1]] = (x - w / 2, height - y - h / 2, w, h)
        elif fields[:1] == ["edge"] and fields[-2] != "invis":
            count = int(fields[3])
            numbers = [float(value) * 72 for value in fields[4:4 + 2 * count]]
            edges.append((fields[1], fields[2], [(x, height - y) for x, y in zip(numbers[::2], numbers[1::2])]))
    return width, height, nodes, edges


def layout(nodes, edges, rankdir="LR", stacked=False):
    """Where ``dot`` puts the boxes and arrows, ready to draw (px, ``MARGIN`` around): {"width", "height",
    "rankdir", "boxes": [{"x", "y", "w", "h", "title_y", "lines": [{"runs", "y"}]}] in the order of ``nodes``,
    "edges": [{"cause", "effect", "d"}]}; None without a working ``dot``. ``stacked``: separate parts one
    below the other."""
    invisible = stacking(len(nodes), edges) if stacked else ()
    try:
        width, height, placed, routes = parse_plain(_run_dot(dot_source(nodes, edges, rankdir, invisible)))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as error:
        if not _warned:
            _warned.append(error)
            log.warning("The factor graph is shown as a list only: Graphviz's dot failed (%s)", error)
        return None
    drawn = []
    for box in nodes:
        x, y, _w, _h = placed[box.key]
        x, y = round(x + MARGIN, 1), round(y + MARGIN, 1)
        drawn.append({"x": x, "y": y, "w": box.width, "h": box.height, "text_x": x + PAD, "title_y": y + PAD + 12,
                      "lines": [{"runs": runs, "y": y + PAD + TITLE_H + 11 + i * LINE_H}
                                for i, runs in enumerate(box.lines)]})
    index = {box.key: i for i, box in enumerate(nodes)}
    drawn_edges = []
    for tail, head, points in routes:
        points = [(round(x + MARGIN, 1), round(y + MARGIN, 1)) for x, y in points]
        path = f"M{points[0][0]},{points[0][1]} C" + " ".join(f"{x},{y}" for x, y in points[1:])
        drawn_edges.append({"cause": index[tail], "effect": index[head], "d": path, "points": points})
    return {"width": round(width) + 2 * MARGIN, "height": round(height) + 2 * MARGIN, "rankdir": rankdir,
            "boxes": drawn, "edges": drawn_edges}


def factor_graph(factors, name="factor-graph"):
    """The graph of ``factors`` (objects with ``pk``, ``category``, ``description`` and ``leads_to``), for the
    templates: "nodes" (per factor, in order: the factor, its number from 1, its colours), and its layouts
    (None without ``dot``): "screens", [(layout, class)] to draw on a page (causes left of their effects, or
    above them when that is too wide; and if that is wider than a phone, a second one for small screens:
    causes above, smaller boxes, separate parts one below the other), and "print", the one that suits a printed
    page. ``name`` starts the ids in a layout's SVG (``name``-lr, ``name``-tb, ``name``-narrow)."""
    factors = list(factors)
    position = {factor.pk: index for index, factor in enumerate(factors)}
    edges = [(position[factor.pk], position[effect.pk])
             for factor in factors for effect in factor.leads_to.all() if effect.pk in position]
    graph = {"nodes": [], "screens": [], "print": None}
    for index, factor in enumerate(factors):
        fill, stroke = COLOURS.get(factor.category, DEFAULT_COLOURS)
        graph["nodes"].append({"factor": factor, "number": index + 1, "fill": fill, "stroke": stroke})
    descriptions = [factor.description for factor in factors]
    across = layout(boxes(descriptions), edges, "LR") if factors else None
    narrow = across and layout(boxes(descriptions, NARROW_WRAP, NARROW_W), edges, "TB", stacked=True)
    if not (across and narrow):
        return graph
    down = None
    if across["width"] > min(SCREEN_WIDTH, PRINT_WIDTH):
        down = layout(boxes(descriptions), edges, "TB", stacked=True)
        if not down:
            return graph
    for key, drawn in (("lr", across), ("tb", down), ("narrow", narrow)):
        if drawn:
            drawn["id"] = f"{name}-{key}"
            for node, box in zip(graph["nodes"], drawn["boxes"]):
                box["node"] = node
    wide = across if across["width"] <= SCREEN_WIDTH or down["width"] >= across["width"] else down
    graph["print"] = across if across["width"] <= PRINT_WIDTH or down["width"] >= across["width"] else down
    if wide["width"] > SMALL_SCREEN and narrow["width"] < wide["width"]:
        graph["screens"] = [(wide, "factor-graph-wide"), (narrow, "factor-graph-narrow")]
    else:
        graph["screens"] = [(wide, "")]
    return graph
