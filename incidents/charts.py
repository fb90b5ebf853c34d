"""Server-side chart geometry (the templates draw it as SVG): no JavaScript, prints well. The factor graph is
laid out by Graphviz instead (``incidents.diagram``)."""

from dataclasses import dataclass

from .text.durations import seconds_duration, whole_duration

CELL_W, CELL_H, LABEL_W, HEADER_H = 56, 24, 200, 28


@dataclass
class Cell:
    x: int
    y: int
    count: int
    quarter: str
    incidents: list
    opacity: float


def heatmap(rows, quarters):
    """Geometry for a rows × quarters heatmap of incident counts (darker = more incidents)."""
    peak = max((len(incidents) for row in rows for _, incidents in row.cells), default=0) or 1
    drawn = []
    for index, row in enumerate(rows):
        y = HEADER_H + index * CELL_H
        cells = [
            Cell(LABEL_W + column * CELL_W, y, len(incidents), quarter, incidents,
                 round(0.15 + 0.85 * len(incidents) / peak, 2) if incidents else 0)
            for column, (quarter, incidents) in enumerate(row.cells)
        ]
        drawn.append({"row": row, "y": y, "text_y": y + CELL_H // 2 + 5, "cells": cells})
    return {
        "rows": drawn,
        "quarters": [{"label": q, "x": LABEL_W + i * CELL_W + CELL_W // 2} for i, q in enumerate(quarters)],
        "width": LABEL_W + max(len(quarters), 1) * CELL_W + 8,
        "height": HEADER_H + max(len(rows), 1) * CELL_H + 8,
        "cell_w": CELL_W - 4,
        "cell_h": CELL_H - 4,
    }


# --- quarterly plots ------------------------------------------------------------------------------

PLOT_LEFT, PLOT_TOP, PLOT_H, PLOT_STEP, PLOT_BOTTOM, PLOT_MIN_W = 84, 16, 160, 56, 52, 280
COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
DURATION_STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 432000, 604800,
                  1209600, 2592000, 7776000]  # 1 min … 90 days, each a whole number of its largest unit
TICKS = 4  # at most this many steps up the value axis


def _scale(peak, steps):
    """The value axis for values up to ``peak``: (top value, step) with at most ``TICKS`` steps."""
    step = next((s for s in steps if s * TICKS >= peak), None) or steps[-1] * -(-peak // (steps[-1] * TICKS))
    return max(step, step * -(-peak // step)), step


def _plot(quarters, values, steps, tick_text, value_text):
    """Common geometry of a plot of one value per quarter (None where there is none): the canvas, the
    value axis's ticks, the quarters along the bottom, and per quarter its x, y and text for the marks."""
    peak = max((v for v in values if v is not None), default=0)
    top, step = _scale(peak or 1, steps)
    bottom_y = PLOT_TOP + PLOT_H
    width = max(PLOT_LEFT + max(len(quarters), 1) * PLOT_STEP + 16, PLOT_MIN_W)

    def y_of(value):
        return round(bottom_y - PLOT_H * value / top, 1)

    points = [
        {"quarter": q, "value": v, "text": value_text(v) if v is not None else "—",
         "x": PLOT_LEFT + i * PLOT_STEP + PLOT_STEP // 2, "y": y_of(v) if v is not None else None}
        for i, (q, v) in enumerate(zip(quarters, values))
    ]
    return {
        "width": width, "height": bottom_y + PLOT_BOTTOM, "left": PLOT_LEFT, "right": width - 16,
        "top": PLOT_TOP, "bottom": bottom_y, "middle_y": PLOT_TOP + PLOT_H // 2, "middle_x": (PLOT_LEFT + width) // 2,
        "quarter_y": bottom_y + 18, "axis_title_y": bottom_y + 42,
        "ticks": [{"y": y_of(v), "text": tick_text(v)} for v in range(0, top + 1, step)],
        "points": points,
    }


def bar_chart(quarters, counts):
    """Bars of a count per quarter (``counts`` aligned with ``quarters``)."""
    chart = _plot(quarters, counts, COUNT_STEPS, str, str)
    chart["bar_w"] = PLOT_STEP - 16
    for point in chart["points"]:
        point.update(bar_x=point["x"] - chart["bar_w"] // 2, bar_h=round(chart["bottom"] - point["y"], 1),
                     label_y=point["y"] - 4)
    chart["empty"] = not any(counts)
    return chart


def line_chart(quarters, seconds):
    """A line through a duration per quarter, in seconds (None for a quarter without one: the line skips it)."""
    chart = _plot(quarters, [None if s is None else round(s) for s in seconds], DURATION_STEPS, whole_duration,
                  seconds_duration)
    known = [p for p in chart["points"] if p["y"] is not None]
    chart["line"] = " ".join(f"{p['x']},{p['y']}" for p in known)
    chart["marks"] = known
    chart["empty"] = not known
    return chart
