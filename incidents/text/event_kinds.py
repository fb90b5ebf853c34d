"""Guess the kind of a timeline event from the words of its description (English and Japanese).

Used by the Markdown importer for written timelines, and meant for log pastes too. The rules are tried in
order and the first that matches wins, so the order settles the usual overlaps: the SRE template's markers
(``OUTAGE BEGINS`` / ``OUTAGE MITIGATED`` / ``OUTAGE ENDS``) first; "status page" is communication even
though "page" means detection; an alert or page beats what it reports; a restart or rollback beats the
recovery it brings ("restarted, errors resolved" is the mitigation); "復旧を確認" is the resolution, not an
investigation; "started investigating" is an investigation, not the start of the outage.

Log lines add their own words: an alerting tool's name or "firing" is a detection and Alertmanager's
``[RESOLVED]`` a resolution; Kubernetes' own restarts ("Back-off restarting failed container", "will be
restarted") are the failure, not someone's mitigation, and so are OOMKilled, CrashLoopBackOff and panics
(after the mitigation rule, so "restarted the OOMKilled pod" stays a mitigation).
"""

import re

TRIGGER = "trigger"
DETECTION = "detection"
INVESTIGATION = "investigation"
ACTION = "action"
COMMUNICATION = "communication"
MITIGATION = "mitigation"
RESOLUTION = "resolution"
OTHER = "other"

KINDS = (TRIGGER, DETECTION, INVESTIGATION, ACTION, COMMUNICATION, MITIGATION, RESOLUTION, OTHER)

# The SRE template's explicit markers: they also name the milestones (started, mitigated, resolved).
OUTAGE_BEGINS = re.compile(r"\bOUTAGE\s+(?:BEGINS|BEGAN|STARTS|STARTED)\b", re.IGNORECASE)
OUTAGE_MITIGATED = re.compile(r"\bOUTAGE\s+MITIGATED\b", re.IGNORECASE)
OUTAGE_ENDS = re.compile(r"\bOUTAGE\s+(?:ENDS|ENDED|RESOLVED)\b", re.IGNORECASE)


def _words(*patterns):
    """One case-insensitive pattern; ASCII words match whole words only, Japanese anywhere."""
    return re.compile("|".join(patterns), re.IGNORECASE)


RULES = (
    (OUTAGE_BEGINS, TRIGGER),
    (OUTAGE_MITIGATED, MITIGATION),
    (OUTAGE_ENDS, RESOLUTION),
    (_words(r"\[resolved\]"), RESOLUTION),
    (_words(r"\bstatus\s*page\b", r"\bannounce", "告知", "お知らせ", "ステータスページ"), COMMUNICATION),
    (_words(r"\balert", r"\bpage[ds]?\b", r"\bpager\b", r"\bpaging\b", r"\bpagerduty\b", r"\bopsgenie\b",
            r"\bfiring\b", r"\bdetect", r"\bnoticed\b", "アラート", "検知", "発報", "検出", "通知を受", "問い合わせ",
            "気づ", "気付"), DETECTION),
    (_words(r"\bback-?off(?: \S+)? restarting\b", r"\bwill be restarted\b"), TRIGGER),
    (_words(r"\broll(?:ed|ing)?[\s-]?back", r"\brevert", r"\brestart", r"\bfail(?:ed|ing)?[\s-]?over",
            r"\bmitigat", r"\bdrain", r"\bcordon", r"\brollout undo\b", r"\bthrottl", "切り戻", "再起動", "緩和",
            "ロールバック", "フェイルオーバー", "切り替え", "切替"), MITIGATION),
    (_words(r"\bresolved\b", r"\bfixed\b", r"\brecover(?:ed|s|y)\b", r"\bback to normal\b", "復旧", "解消",
            "正常化"), RESOLUTION),
    (_words(r"\binvestigat", r"\blook(?:s|ed|ing)? into\b", r"\bdiagnos", r"\btriag", "調査", "確認", "原因"),
     INVESTIGATION),
    (_words(r"\bbegan\b", r"\bbegins\b", r"\bstarted\b", r"\bOOM", r"\bout of memory\b", r"\bCrashLoopBackOff\b",
            r"\bpanic", r"\bsegfault", r"\bsegmentation fault\b", "発生", "障害が始", "が始ま"), TRIGGER),
    (_words(r"\bnotif", r"\bemail", r"\bcommunicat", r"\binformed\b", r"\bposted\b", "連絡", "共有", "報告",
            "周知"), COMMUNICATION),
    (_words(r"\bdeploy", r"\bran\b", r"\bchanged\b", r"\bapplied\b", r"\bscaled\b", r"\bpushed\b",
            "実施", "適用", "変更", "デプロイ", "リリース", "増設"), ACTION),
)


def guess_event_kind(text):
    """The timeline event kind (one of ``KINDS``) that the words of ``text`` suggest; ``other`` if none do."""
    for pattern, kind in RULES:
        if pattern.search(text or ""):
            return kind
    return OTHER
