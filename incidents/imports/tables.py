"""Tables and list items in a section's lines: Markdown pipe tables, TAB-separated rows (a table pasted
from a web page or a book keeps its cells apart with TABs), and ``-``/``*``/``1.`` list items with their
indented continuation lines."""

import re
from dataclasses import dataclass, field

SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
PIPE_SPLIT = re.compile(r"(?<!\\)\|")
LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(?P<text>.*)$")
CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\][ \t]*")


@dataclass
class Table:
    header: list
    line: int  # the header's line in the file
    rows: list = field(default_factory=list)  # (line number, [cell, ...])

    def column(self, names):
        """The index of the first column whose header (lower case, no markup) is one of ``names``."""
        for index, title in enumerate(self.header):
            if title.strip("*_` ").casefold() in names:
                return index
        return None


@dataclass
class Item:
    """A list item (``is_item``) or a line of text outside lists; ``raw`` holds the lines as written."""

    line: int
    text: str
    is_item: bool
    raw: list
    indent: int = 0


def cells(text):
    """The cells of one pipe-table row, stripped, with ``\\|`` read as a pipe."""
    text = text.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return [cell.strip().replace("\\|", "|") for cell in PIPE_SPLIT.split(text)]


def blocks(lines):
    """The (number, text) pairs with each table replaced by one Table, in order."""
    result, index = [], 0
    while index < len(lines):
        number, text = lines[index]
        following = lines[index + 1][1] if index + 1 < len(lines) else ""
        if "|" in text and SEPARATOR.match(following) and "-" in following:
            table = Table(cells(text), number)
            index += 2
            while index < len(lines) and "|" in lines[index][1] and lines[index][1].strip():
                table.rows.append((lines[index][0], cells(lines[index][1])))
                index += 1
            result.append(table)
        elif _tab_row(text) and index + 1 < len(lines) and _tab_row(following):
            table = Table([cell.strip() for cell in text.strip().split("\t")], number)
            index += 1
            while index < len(lines) and _tab_row(lines[index][1]):
                table.rows.append((lines[index][0], [cell.strip() for cell in lines[index][1].strip().split("\t")]))
                index += 1
            result.append(table)
        else:
            result.append((number, text))
            index += 1
    return result


def segments(lines):
    """The (number, text) pairs as Tables and runs (lists) of the lines between them, in order."""
    result = []
    for block in blocks(lines):
        if isinstance(block, Table):
            result.append(block)
        elif result and isinstance(result[-1], list):
            result[-1].append(block)
        else:
            result.append([block])
    return result


def _tab_row(text):
    return "\t" in text.strip() and len([cell for cell in text.split("\t") if cell.strip()]) >= 2


def list_items(lines):
    """Group (number, text) pairs into Items. A list item takes the lines indented under it as
    continuation lines (joined with newlines); blank lines are skipped."""
    items = []
    for number, text in lines:
        if not text.strip():
            continue
        match = LIST_ITEM.match(text)
        if match:
            items.append(Item(number, match["text"].strip(), True, [text], _indent(text)))
        elif items and items[-1].is_item and _indent(text) > items[-1].indent:
            items[-1].text = f"{items[-1].text}\n{text.strip()}"
            items[-1].raw.append(text)
        else:
            items.append(Item(number, text.strip(), False, [text]))
    return items


def _indent(text):
    expanded = text.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def checkbox(text):
    """(checked: True/False/None when there is no box, text without the box)."""
    match = CHECKBOX.match(text)
    if not match:
        return None, text
    return match["mark"] != " ", text[match.end():].strip()
