"""The words a written postmortem uses for the application's choices, English and Japanese: severity,
incident status, factor category, action item kind and status. Each function maps free text to a choice
value, or to None (or the catch-all) when the words say nothing it knows. A severity is first looked up in
the admins' scale (a level's key or label, either language), then guessed from the usual words."""

import re

from incidents.models import current_scale

SEVERITY_NUMBER = re.compile(r"^(?:sev(?:erity)?|p|priority)?[\s_-]*([0-4])\b")
SEVERITY_WORDS = (
    ("sev1", ("critical", "blocker", "重大", "致命的", "緊急", "最高")),
    ("sev2", ("high", "major", "高")),
    ("sev3", ("medium", "moderate", "minor", "中", "軽微")),
    ("sev4", ("low", "trivial", "低")),
)
INCIDENT_STATUS = {
    "draft": "draft", "下書き": "draft",
    "in review": "in_review", "in_review": "in_review", "review": "in_review", "レビュー中": "in_review",
    "published": "published", "公開": "published", "公開済み": "published",
}
FACTOR_CATEGORIES = (  # ties go to the first; each alternative that occurs counts
    ("network", r"\bdns\b|\bnetwork|\blatenc|\bpacket|ネットワーク"),
    ("configuration", r"\bconfig|\bmisconfig|設定|設定ミス"),
    ("change", r"\bdeploy|\brelease|\brollout|\broll-out|\bchange|デプロイ|リリース|変更"),
    ("capacity", r"\bcapacity|\bload\b|\btraffic|負荷|容量"),
    ("resource-exhaustion", r"\bleak|\bexhaust|\boom\b|\bout of memory|\bmemory|枯渇|リーク|メモリ"),
    ("monitoring-gap", r"\bmonitor|\balert|監視|アラート"),
    ("defect", r"\bbug|\bdefect|バグ|不具合"),
    ("third-party", r"\bvendor|third[\s-]party|\bupstream provider|外部"),
    ("process", r"\bprocess|\brunbook|\bplaybook|手順"),
)
ACTION_KINDS = (  # one table for both languages: the SRE template's kinds and their Japanese names
    ("prevent", r"\bprevent|予防|防止"),
    ("mitigate", r"\bmitigat|緩和"),
    ("detect", r"\bdetect|検知|検出"),
    ("process", r"\bprocess|プロセス|手順"),
    ("investigate", r"\binvestigat|調査"),
)
ACTION_STATUS = {
    "open": "open", "todo": "open", "to do": "open", "not started": "open", "未着手": "open", "未対応": "open",
    "in progress": "in_progress", "in_progress": "in_progress", "doing": "in_progress", "wip": "in_progress",
    "started": "in_progress", "対応中": "in_progress", "進行中": "in_progress", "着手": "in_progress",
    "done": "done", "complete": "done", "completed": "done", "closed": "done", "fixed": "done",
    "完了": "done", "対応済み": "done", "対応済": "done",
    "wontfix": "wont_do", "won't fix": "wont_do", "wont fix": "wont_do", "won't do": "wont_do",
    "wont_do": "wont_do", "wont do": "wont_do", "cancelled": "wont_do", "canceled": "wont_do",
    "見送り": "wont_do", "中止": "wont_do", "対応しない": "wont_do",
}
TRAILING_STATUS = re.compile(
    r"(?:^|\s|\()(?P<word>done|todo|in[ _]progress|wontfix|won't fix|完了|未着手|対応中)\)?\s*$", re.IGNORECASE)
NO_VALUE = {"", "n/a", "na", "none", "-", "--", "—", "–", "なし", "無し"}


def _compiled(table):
    return tuple((value, re.compile(pattern, re.IGNORECASE)) for value, pattern in table)


FACTOR_PATTERNS = tuple((value, [re.compile(word, re.IGNORECASE) for word in pattern.split("|")])
                        for value, pattern in FACTOR_CATEGORIES)
ACTION_KIND_PATTERNS = _compiled(ACTION_KINDS)


def _words(text):
    return " ".join(str(text).replace("*", "").replace("`", "").split()).casefold()


def severity(text):
    """The key of the scale's level whose key or label (Japanese or English, case-insensitive) ``text`` is;
    else ``sev1``..``sev4`` for SEV1, SEV-2, P1, critical, high, 重大 and the like when the scale has that
    key (SEV0 / P0 are read as sev1, the default scale's most severe); None when unknown."""
    words = _words(text)
    scale = current_scale()
    for level in scale.levels:
        if words and words in {_words(level.key), _words(level.label_ja), _words(level.label_en)}:
            return level.key
    guess = _guess_severity(words)
    return guess if guess in scale.by_key else None


def _guess_severity(words):
    match = SEVERITY_NUMBER.match(words)
    if match:
        return f"sev{max(int(match[1]), 1)}"
    for value, spellings in SEVERITY_WORDS:
        if any(words == spelling or words.startswith(spelling + " ") for spelling in spellings):
            return value
    return None


def incident_status(text):
    """``draft`` / ``in_review`` / ``published`` when the text is one of those, else None."""
    return INCIDENT_STATUS.get(_words(text))


def factor_category(text):
    """The factor category whose words occur most often in ``text`` (the first on a tie); ``other`` if none.
    "設定ミス" counts twice for configuration, so a misconfigured DNS server is a configuration factor."""
    scores = [(sum(len(word.findall(text)) for word in words), value) for value, words in FACTOR_PATTERNS]
    best = max(score for score, _ in scores)
    return next(value for score, value in scores if score == best) if best else "other"


def action_kind(text):
    """The action item kind the words suggest (prevent, mitigate, detect, process, investigate); ``other`` if
    none."""
    return next((value for value, pattern in ACTION_KIND_PATTERNS if pattern.search(text)), "other")


def action_status(text):
    """The action item status a status cell names, or None when it names none."""
    return ACTION_STATUS.get(_words(text))


def split_trailing_status(text):
    """(text without it, status) for a cell ending in DONE / TODO / IN PROGRESS / WONTFIX / 完了 / 未着手 /
    対応中, as the SRE book's Bug column does ("Bug 5554823 TODO"); (text, None) when there is none."""
    match = TRAILING_STATUS.search(text)
    if not match:
        return text, None
    return text[:match.start()].strip(), ACTION_STATUS.get(_words(match["word"]).replace("_", " "))


def is_empty(text):
    """True for a cell that says "nothing here": n/a, -, —, なし."""
    return _words(text) in NO_VALUE
