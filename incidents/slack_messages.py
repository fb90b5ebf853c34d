"""What the Slack app says, as Slack blocks: the ``/postmortem`` command's answers (the top hits of a search run
as the linked account, help, "link your account") in the language of the query, and the previews of this site's
incident links (``chat.unfurl``), only for incidents everyone may see (published and internal). Reads only; the
Web API calls are incidents.slack_client's."""

import html
import re
from urllib.parse import urlparse

from django.utils.translation import gettext as _, override

from . import search, sites
from .models import Incident
from .models.incidents import Status, Visibility
from .text.markdown import plain_text

TOP = 5
SUMMARY_CHARS = 300
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
TAG = re.compile(r"<[^>]+>")
INCIDENT_PATH = re.compile(r"^/incidents/INC-(\d+)/?$")


def language_of(text):
    """"ja" when the text has Japanese characters (kana or kanji), else "en"."""
    return "ja" if JAPANESE.search(text or "") else "en"


def escape(text):
    """Text safe inside Slack mrkdwn (Slack's three escapes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _snippet(snippet):
    """A search snippet (HTML with <mark> around matches) as mrkdwn, the matches in bold."""
    parts = MARK.split(snippet or "")
    out = []
    for number, part in enumerate(parts):
        text = escape(html.unescape(TAG.sub("", part))).replace("*", "＊").replace("\n", " ")
        out.append(f"*{text}*" if number % 2 and text.strip() else text)
    return "".join(out).strip()


def _truncate(text, limit):
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _ephemeral(text, blocks=None):
    answer = {"response_type": "ephemeral", "text": text}
    if blocks:
        answer["blocks"] = blocks
    return answer


def _section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def help_answer(language="en"):
    with override(language):
        text = _("Search the postmortems from Slack: /postmortem <words>, e.g. /postmortem DNS timeout. You get "
                 "the top 5 incidents you may see, with links; only you see the answer.")
        return _ephemeral(text, [_section(escape(text))])


def link_account_answer(language="en"):
    with override(language):
        text = _("Your Slack account is not linked to an account in Postmortem: nothing was searched. Ask an "
                 "admin to give your Postmortem account the same email address as your Slack profile.")
        return _ephemeral(text, [_section(escape(text))])


def unavailable_answer(language="en"):
    with override(language):
        text = _("Postmortem cannot search right now; try again in a minute.")
        return _ephemeral(text)


def search_answer(query, user):
    """The top hits of ``query`` that ``user`` may see, in the query's language."""
    language = language_of(query)
    with override(language):
        try:
            results = search.search(query, user, page_size=TOP)
        except search.SearchUnavailable:
            return unavailable_answer(language)
        hits = results.hits[:TOP]
        if not hits:
            text = _("No postmortem matches “%(query)s”.") % {"query": query}
            return _ephemeral(text, [_section(escape(text))])
        incidents = Incident.objects.in_bulk([hit.id for hit in hits])
        base = sites.base()
        header = _("Postmortems matching “%(query)s” (%(shown)d of %(count)d):") % {
            "query": query, "shown": len(hits), "count": results.count}
        blocks = [_section(escape(header))]
        for hit in hits:
            incident = incidents.get(hit.id)
            if incident is None:
                continue
            url = base + incident.get_absolute_url()
            line = (f"*<{url}|{escape(incident.reference)} {escape(incident.title)}>* · "
                    f"{escape(str(incident.get_status_display()))}")
            snippet = _snippet(hit.snippet)
            blocks.append(_section(f"{line}\n{snippet}" if snippet else line))
        return _ephemeral(header, blocks)


def incident_number(url):
    """The incident number when ``url`` is this site's address of an incident page, else None."""
    parts, site = urlparse(url), urlparse(sites.base())
    if (parts.scheme, parts.netloc.lower()) != (site.scheme, site.netloc.lower()):
        return None
    path = parts.path
    if site.path.rstrip("/") and path.startswith(site.path.rstrip("/") + "/"):
        path = path[len(site.path.rstrip("/")):]
    match = INCIDENT_PATH.match(path)
    return int(match[1]) if match else None


def unfurls(urls, language="en"):
    """{url: preview} for the URLs that are this site's pages of incidents every member of the workspace may
    see (published and internal); drafts, reviews, restricted incidents and anything else are left out."""
    numbers = {url: incident_number(url) for url in urls}
    shown = Incident.objects.in_bulk([number for number in numbers.values() if number])
    previews = {}
    with override(language):
        for url, number in numbers.items():
            incident = shown.get(number)
            if incident is None or incident.status != Status.PUBLISHED or incident.visibility != Visibility.INTERNAL:
                continue
            title = f"*<{url}|{escape(incident.reference)} {escape(incident.title)}>*"
            facts = "%s: %s · %s: %s" % (_("Status"), incident.get_status_display(),
                                          _("Severity"), incident.get_severity_display())
            summary = _truncate(" ".join(plain_text(incident.summary).split()), SUMMARY_CHARS)
            text = "\n".join(part for part in (title, escape(facts), escape(summary)) if part)
            previews[url] = {"blocks": [_section(text)]}
    return previews
