"""Line breaking for text drawn in fixed-width boxes (the factor diagram's SVG has no text layout of its own).

Breaks where a reader expects them: at spaces, and between Japanese characters, but never inside an
ASCII word or identifier (``default-address-pools`` stays whole) unless it is longer than a whole line,
and then preferably after ``-``, ``_``, ``/`` or ``.``. Japanese line-breaking rules (kinsoku) hold: no
line starts with closing punctuation, a prolonged sound mark or an ellipsis, and none ends with an
opening bracket. Widths are display columns: a wide (CJK) character counts two, a monospace (code)
character a little more than a proportional one.
"""

import unicodedata

NO_LINE_START = set("、。，．）」』】〕・ー…,.)!?！？：；")
NO_LINE_END = set("（「『【〔(")
BREAK_AFTER = set("-_/.")
CODE_WIDTH = 1.2  # a monospace ASCII character against a proportional one


def char_width(char, code=False):
    """Display columns of one character: 2 for wide and full-width ones, about 1 for the rest."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return CODE_WIDTH if code else 1


def _units(chars):
    """Unbreakable units of (char, code) pairs: a space alone, an ASCII word, or one other character with
    the kinsoku characters that must stay beside it."""
    units = []
    for char, code in chars:
        previous = units[-1][-1][0] if units else " "
        joined = previous != " " and char != " " and (
            (char.isascii() and previous.isascii())  # inside an ASCII word
            or char in NO_LINE_START
            or previous in NO_LINE_END
        )
        if joined:
            units[-1].append((char, code))
        else:
            units.append([(char, code)])
    return units


def _width(unit):
    return sum(char_width(char, code) for char, code in unit)


def _pieces(unit, width):
    """A unit wider than a whole line, cut into pieces that fit, each after a break character if it has one."""
    pieces = []
    while _width(unit) > width:
        fits, used = 0, 0
        while fits < len(unit) and used + char_width(*unit[fits]) <= width:
            used += char_width(*unit[fits])
            fits += 1
        fits = max(fits, 1)
        cut = max((i + 1 for i in range(fits - 1) if unit[i][0] in BREAK_AFTER), default=fits)
        pieces.append(unit[:cut])
        unit = unit[cut:]
    return pieces + [unit] if unit else pieces


def _runs(line):
    """A line of (char, code) pairs as (text, code) runs."""
    runs = []
    for char, code in line:
        if runs and runs[-1][1] == code:
            runs[-1][0] += char
        else:
            runs.append([char, code])
    return [(text, code) for text, code in runs]


def wrap_runs(runs, width=26, max_lines=3):
    """Lines of at most ``width`` columns for ``runs`` of (text, is_code), each line a list of (text, is_code)
    runs; whitespace collapses to single spaces. Text beyond ``max_lines`` is cut and the last line ends
    with "…"; ``max_lines=None`` keeps every line."""
    chars, last = [], " "
    for text, code in runs:
        for char in text:
            char = " " if char.isspace() else char
            if not (char == " " and last == " "):
                chars.append((char, code))
            last = char
    lines, current = [], []
    for unit in _units(chars):
        if unit[0][0] == " ":
            if current and _width(current) + 1 <= width:
                current.append(unit[0])
            continue
        for piece in _pieces(unit, width):
            if current and _width(current) + _width(piece) > width:
                lines.append(current)
                current = []
            current += piece
    if current:
        lines.append(current)
    lines = [line[:-1] if line[-1][0] == " " else line for line in lines]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last_line = lines[-1]
        while last_line and _width(last_line) + 1 > width:
            last_line = last_line[:-1]
        lines[-1] = last_line + [("…", False)]
    return [_runs(line) for line in lines]


def wrap(text, width=26, max_lines=3):
    """``wrap_runs`` for plain text: the lines as strings."""
    return ["".join(text for text, _code in line) for line in wrap_runs([(text, False)], width, max_lines)]
