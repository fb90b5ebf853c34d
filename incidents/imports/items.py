"""The structured sections of a written postmortem: action items (a table, TAB-separated rows or a list),
lessons (under What went well / What went wrong / Where we got lucky), root causes (list items become
factors) and supporting links.

Each reader takes a Section and the warnings list and returns what it recognised plus the lines it did not
(``leftover``), which the caller keeps in the analysis under the section's heading: nothing is dropped.
"""

import datetime
import re
import urllib.parse

from django.utils.translation import gettext as _

from incidents.imports import vocabulary
from incidents.imports.sections import LESSONS, atx_heading, heading_key
from incidents.imports.tables import Table, checkbox, list_items, segments

TITLE_LIMIT, OWNER_LIMIT, TRACKER_LIMIT, LINK_TITLE_LIMIT, URL_LIMIT = 200, 100, 100, 300, 500
TITLE_HEADERS = {"action item", "action items", "action", "actions", "item", "項目", "内容", "対応", "対応内容",
                 "task", "タスク", "title", "アクション", "アクションアイテム"}
KIND_HEADERS = {"type", "kind", "種別", "種類", "分類", "タイプ", "category", "カテゴリ", "カテゴリー"}
OWNER_HEADERS = {"owner", "担当", "担当者", "assignee", "who"}
TRACKER_HEADERS = {"bug", "ticket", "tracker", "issue", "チケット", "link", "url", "課題", "バグ", "リンク"}
STATUS_HEADERS = {"status", "状態", "ステータス", "state"}
DUE_HEADERS = {"due", "due date", "期限", "deadline", "期日"}
MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
ANY_URL = re.compile(r"<?(?P<url>\b(?:https?|ftp|ftps|file|javascript|vbscript|data|mailto|ssh|git|smb)"
                     r":[^\s<>\[\]\"'`]+)>?", re.IGNORECASE)
GITHUB_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}#\d+$")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?$")
TRAILING = ".,;:!?'\""
TITLE_TRIM = " ,.;:-–—()<>"
KIND_PREFIX = re.compile(r"^(?:\[(?P<a>[^\]]{1,20})\]|【(?P<b>[^】]{1,20})】|\((?P<c>[^)]{1,20})\)|（(?P<d>[^）]{1,20})）"
                         r"|(?P<e>[^\s:：]{1,20})\s*[:：])\s*")


def is_http_url(url):
    """True for an absolute http(s) URL with a host (an intranet host without a dot counts)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


def trim_url(url):
    """A URL found in prose without the punctuation after it: a final period, or a ")" it did not open."""
    url = url.rstrip(TRAILING)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(TRAILING)
    return url


def _clip(text, limit, message, number, warnings):
    """``text`` cut to ``limit`` characters, with the warning ``message`` (which may use %(limit)d) if cut."""
    if len(text) <= limit:
        return text
    warnings.append((number, message % {"limit": limit}))
    return text[:limit - 1] + "…"


def parse_date(text):
    """A date from ``2024-01-31``, ``2024/1/31`` or ``2024年1月31日``; None if the text is no such date."""
    match = DATE_TEXT.match(text.strip().strip("*_`"))
    if not match:
        return None
    try:
        return datetime.date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def action_items(section, warnings):
    """(action items, leftover lines) from the tables and list items of an action items section."""
    found, leftover, kind = [], [], "other"
    for segment in segments(section.lines):
        if isinstance(segment, Table):
            found.extend(_table_items(segment, warnings))
            continue
        for item in list_items(segment):
            heading = atx_heading(item.raw[0]) or (None, item.text)
            if not item.is_item and vocabulary.action_kind(heading[1]) != "other" and len(heading[1]) <= 30:
                kind = vocabulary.action_kind(heading[1])  # a sub-heading such as "### Prevent"
                continue
            if not item.is_item:
                leftover.extend((item.line, raw) for raw in item.raw)
                continue
            checked, text = checkbox(item.text)
            own_kind, text = _kind_prefix(text)
            found.append(_item(text, own_kind or kind, "done" if checked else "open", item.line, warnings))
    return found, leftover


def _kind_prefix(text):
    """(kind, text without it) for an item that starts with its kind: ``予防: …``, ``[Detect] …``, ``【緩和】…``;
    (None, text) otherwise."""
    match = KIND_PREFIX.match(text)
    word = next((group for group in match.groups() if group), "") if match else ""
    if not word or not text[match.end():].strip() or vocabulary.action_kind(word) == "other":
        return None, text
    return vocabulary.action_kind(word), text[match.end():]


def _item(text, kind, status, number, warnings):
    title = " ".join(text.split())
    url = next((match["url"] for match in MARKDOWN_LINK.finditer(text) if is_http_url(match["url"])), "")
    url = url or next((trim_url(match["url"]) for match in ANY_URL.finditer(text)
                       if is_http_url(trim_url(match["url"]))), "")
    return {"title": _clip(title, TITLE_LIMIT, _("The action item title is longer than %(limit)d characters: it is shortened."),
                           number, warnings), "kind": kind,
            "status": status, "owner": "", "due_date": None, "url": url if len(url) <= URL_LIMIT else "",
            "tracker": ""}


def _table_items(table, warnings):
    columns = {name: table.column(headers) for name, headers in (
        ("title", TITLE_HEADERS), ("kind", KIND_HEADERS), ("owner", OWNER_HEADERS),
        ("tracker", TRACKER_HEADERS), ("status", STATUS_HEADERS), ("due", DUE_HEADERS))}
    if columns["title"] is None:
        columns["title"] = 0
    items = []
    for number, row in table.rows:
        cell = {name: row[index].strip() if index is not None and index < len(row) else ""
                for name, index in columns.items()}
        if not cell["title"]:
            if any(value.strip() for value in row):
                warnings.append((number, _("An action item row without a title: it is skipped.")))
            continue
        item = _item(cell["title"], vocabulary.action_kind(cell["kind"]) if cell["kind"] else "other", "open",
                     number, warnings)
        item["owner"] = "" if vocabulary.is_empty(cell["owner"]) else _clip(
            cell["owner"], OWNER_LIMIT, _("The owner is longer than %(limit)d characters: it is shortened."), number, warnings)
        tracker, trailing_status = vocabulary.split_trailing_status(cell["tracker"])
        item.update(_tracker(tracker, number, warnings))
        item["status"] = vocabulary.action_status(cell["status"]) or trailing_status or "open"
        if cell["due"] and not vocabulary.is_empty(cell["due"]):
            item["due_date"] = parse_date(cell["due"])
            if item["due_date"] is None:
                warnings.append((number, _("The due date %(value)s is not a date: it is left empty.") % {"value": repr(cell["due"])}))
        items.append(item)
    return items


def _tracker(text, number, warnings):
    """{"url": …, "tracker": …} for a Bug/Ticket cell: an http(s) URL or OWNER/REPO#N is the URL,
    anything else (``Bug 5554823``, ``JIRA-12``) the tracker; n/a, - and — are nothing."""
    text = text.strip()
    if vocabulary.is_empty(text):
        return {"url": "", "tracker": ""}
    link = MARKDOWN_LINK.fullmatch(text)
    candidate = (link["url"] if link else text).strip("<>")
    if (is_http_url(candidate) and len(candidate) <= URL_LIMIT) or GITHUB_REF.match(candidate):
        return {"url": candidate, "tracker": ""}
    return {"url": "", "tracker": _clip(
        text, TRACKER_LIMIT, _("The tracker reference is longer than %(limit)d characters: it is shortened."), number, warnings)}


def lessons(section, warnings):
    """(lessons, leftover lines): each list item or line under a lessons sub-heading is one lesson."""
    found, leftover, kind = [], [], None
    for item in list_items(section.lines):
        label = None if item.is_item else heading_key(item.raw[0], LESSONS)
        if label is not None and label[0] is not None:
            kind = label[0]
            if label[3].strip():
                found.append({"kind": kind, "text": label[3].strip()})
        elif label is not None:  # another heading inside the section: it ends the sub-section
            kind = None
            leftover.extend((item.line, raw) for raw in item.raw)
        elif kind is None:
            leftover.extend((item.line, raw) for raw in item.raw)
        else:
            found.append({"kind": kind, "text": checkbox(item.text)[1]})
    return found, leftover


def factors(section, first_number):
    """(factors, leftover lines): each list item of a root causes section is a factor, its category
    guessed from its words; prose stays in the analysis."""
    found, leftover = [], []
    for item in list_items(section.lines):
        if item.is_item and item.text.strip():
            found.append({"ref": f"F{first_number + len(found)}", "category": vocabulary.factor_category(item.text),
                          "description": item.text, "leads_to": []})
        else:
            leftover.extend((item.line, raw) for raw in item.raw)
    return found, leftover


def links(section, warnings):
    """(links, leftover lines): every http(s) URL of a list item or line is a related link titled with the
    rest of the line. A line with no URL, or with another scheme (``javascript:``, ``ftp:``, ``file:``),
    stays as text; the second with a warning."""
    found, leftover = [], []
    for item in list_items(section.lines):
        text = MARKDOWN_LINK.sub(lambda match: f"{match['text']} <{match['url']}>", item.text)
        urls = [trim_url(match["url"]) for match in ANY_URL.finditer(text)]
        good = [url for url in urls if is_http_url(url) and len(url) <= URL_LIMIT]
        title = " ".join(ANY_URL.sub(" ", text).split()).strip(TITLE_TRIM)
        for url in good:
            found.append({"url": url, "relation": "related",
                          "title": _clip(
                title, LINK_TITLE_LIMIT, _("The link title is longer than %(limit)d characters: it is shortened."), item.line,
                warnings)})
        if len(good) < len(urls):
            warnings.append((item.line, _("A link that is not an http(s) URL is kept as text.")))
        if not good or len(good) < len(urls):
            leftover.extend((item.line, raw) for raw in item.raw)
    return found, leftover


def unique_links(links):
    """The links without repeated URLs (the first of each is kept): an incident holds a URL once."""
    seen = set()
    return [link for link in links if not (link["url"] in seen or seen.add(link["url"]))]
