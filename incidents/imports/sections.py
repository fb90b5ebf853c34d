"""Find the sections of a Markdown postmortem: headings and label lines, in English and Japanese.

A section starts at a Markdown heading (``#`` to ``######``) or, in plain-text write-ups such as the Google
SRE book's example, at a label line: ``Summary: text``, ``**Summary:** text``, ``**Summary**: text``,
``Summary：text`` (full-width colon), ``Impact:[158] text`` (a footnote marker), or the name alone on its
line (``Lessons Learned``, ``Timeline[162]``). Names are matched case-insensitively, ignoring a leading
number (``## 1. 概要``), 【】 brackets and trailing colons and footnote markers. Lines inside fenced code
blocks are never headings.

Every line is kept with its line number in the file as a ``(number, text)`` pair, so later warnings can
point at the file.
"""

import re
from dataclasses import dataclass, field

SECTION_NAMES = {
    "summary": ["summary", "executive summary", "概要", "サマリー", "サマリ"],
    "impact": ["impact", "影響", "影響範囲"],
    "root_causes": ["root causes", "root cause", "contributing factors", "根本原因", "原因", "寄与要因"],
    "trigger": ["trigger", "トリガー", "きっかけ", "発端", "発生の契機", "契機"],
    "resolution": ["resolution", "response", "対応", "解決", "復旧"],
    "detection": ["detection", "検知", "検出"],
    "analysis": ["analysis", "分析"],
    "action_items": ["action items", "action item", "再発防止策", "対応項目", "アクションアイテム"],
    "lessons": ["lessons learned", "lessons", "教訓", "学び"],
    "timeline": ["timeline", "タイムライン", "経緯", "時系列"],
    "links": ["supporting information", "supporting info", "補足情報", "関連情報", "参考", "参考資料", "links", "リンク"],
}
LESSON_NAMES = {
    "went_well": ["what went well", "went well", "うまくいったこと", "良かった点"],
    "went_wrong": ["what went wrong", "went wrong", "うまくいかなかったこと", "悪かった点", "課題"],
    "lucky": ["where we got lucky", "got lucky", "幸運だったこと", "運が良かった点"],
}
METADATA_NAMES = {
    "date": ["date", "日付"],
    "authors": ["authors", "author", "作成者", "著者"],
    "status": ["status", "ステータス", "状態"],
    "severity": ["severity", "重大度", "深刻度"],
    "services": ["services", "service", "サービス"],
    "tags": ["tags", "タグ"],
}
LABEL_LEVEL = 7  # a label line ranks below every heading: any heading ends its section


def _index(names):
    return {name: key for key, spellings in names.items() for name in spellings}


SECTIONS = _index(SECTION_NAMES)
LESSONS = _index(LESSON_NAMES)
METADATA = _index(METADATA_NAMES)

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
FOOTNOTE = re.compile(r"(?:\s*\[\d+\])+")
LEADING_FOOTNOTE = re.compile(r"^(?:\[\d+\]\s*)+")
NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[IVX]+\.)\s+")
EMPHASIS = re.compile(r"^(?:\*\*|__|\*|_)+|(?:\*\*|__|\*|_)+$")
COLON = re.compile(r"[:：]")


def normalize_name(text):
    """A heading or label as compared with the tables: no markup, numbering, colon or footnote; lower case."""
    text = EMPHASIS.sub("", text.strip())
    text = FOOTNOTE.sub("", text).strip().rstrip(":：").strip()
    text = EMPHASIS.sub("", text).strip()
    text = NUMBERING.sub("", text)
    text = text.strip("【】[]■●◆").strip()
    return " ".join(text.split()).casefold()


def clean_heading(text):
    """A heading as written, for ``### Heading`` in the analysis: without markup, colon or footnote."""
    text = FOOTNOTE.sub("", EMPHASIS.sub("", text.strip())).strip().rstrip(":：").strip()
    return EMPHASIS.sub("", text).strip()


def atx_heading(line):
    """(level, text) for an ATX heading line, else None."""
    match = ATX.match(line)
    return (len(match[1]), (match[2] or "").strip()) if match else None


def label_line(line, names):
    """(key, label as written, rest of the line) when ``line`` is a label from ``names``, else None.

    ``names`` is one of the indexes (SECTIONS, LESSONS, METADATA). List items, quotes and table rows are
    not labels; a label with a colon may carry text after it."""
    text = line.strip()
    if not text or text[0] in "-+>|`" or (text[0] == "*" and not text.startswith("**")):
        return None
    match = COLON.search(text)
    if match:
        candidate = text[:match.start()]
        key = names.get(normalize_name(candidate))
        if key:
            return key, clean_heading(candidate), _after_label(text[match.end():])
    key = names.get(normalize_name(text))
    return (key, clean_heading(text), "") if key else None


def _after_label(rest):
    """The text after a label's colon without the markup that closed the label (``**Summary:** text``)
    and without a footnote marker (``Impact:[158] text``)."""
    rest = rest.lstrip()
    for closing in ("**", "__"):
        rest = rest.removeprefix(closing).lstrip()
    return LEADING_FOOTNOTE.sub("", rest)


def heading_key(line, names=SECTIONS):
    """(key or None, level, heading as written, rest) for a heading or label line; None for other lines."""
    found = atx_heading(line)
    if found:
        level, text = found
        return names.get(normalize_name(text)), level, clean_heading(text), ""
    label = label_line(line, names)
    if label:
        key, heading, rest = label
        return key, LABEL_LEVEL, heading, rest
    return None


@dataclass
class Section:
    """One section: ``key`` from SECTION_NAMES (None for a heading the tables do not know)."""

    key: str | None
    heading: str
    level: int
    line: int
    lines: list = field(default_factory=list)  # (number, text) pairs, the rest of the label line first


def fenced_flags(lines):
    """For each (number, text) pair: True when the line is inside (or opens or closes) a code fence. A fence
    left open at the end is not a fence at all, so one stray ``````` cannot swallow the rest of a file."""
    flags, opener = [], None
    for index, (_, text) in enumerate(lines):
        match = FENCE.match(text)
        if opener is None:
            if match:
                opener = (match[1][0], len(match[1]), index)
            flags.append(opener is not None)
        else:
            flags.append(True)
            if match and match[1][0] == opener[0] and len(match[1]) >= opener[1] and not text.strip(match[1][0] + " \t"):
                opener = None
    if opener is not None:
        flags[opener[2]:] = [False] * (len(flags) - opener[2])
    return flags


def split_sections(lines):
    """(preamble lines, [Section]) for a heading- or label-structured body.

    A known name always starts a section. An unknown heading starts one too (kept later under its
    heading) unless it is deeper than the heading of the section it is in: then it is part of that
    section's text. A lesson sub-heading (``### What went well``) is part of the lessons section it is in,
    and starts a lessons section when it is in none."""
    preamble, sections, current = [], [], None
    for (number, text), fenced in zip(lines, fenced_flags(lines)):
        found = None if fenced else _start(text, current)
        if found:
            key, level, heading, rest = found
            current = Section(key, heading, level, number)
            sections.append(current)
            if key == "lessons" and _lesson(text):
                current.lines.append((number, text))
            elif rest.strip():
                current.lines.append((number, rest))
        elif current is None:
            preamble.append((number, text))
        else:
            current.lines.append((number, text))
    return preamble, sections


def _start(text, current):
    """(key, level, heading, rest) when ``text`` starts a new section after ``current``, else None."""
    found = heading_key(text)
    if found is None or found[0] is not None:
        return found
    _, level, heading, _ = found
    if _lesson(text):
        return None if current is not None and current.key == "lessons" else ("lessons", level, heading, "")
    if current is not None and level > current.level:
        return None
    return found


def _lesson(text):
    found = heading_key(text, LESSONS)
    return found is not None and found[0] is not None


def strip_blank(lines):
    """The (number, text) pairs without the blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start][1].strip():
        start += 1
    while end > start and not lines[end - 1][1].strip():
        end -= 1
    return lines[start:end]


def text_of(lines):
    """The lines as one text, without blank lines at either end."""
    return "\n".join(text for _, text in strip_blank(lines))
