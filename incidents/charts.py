"""Server-side chart geometry (the templates draw it as SVG): no JavaScript, prints well."""

from dataclasses import dataclass

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
