"""Identifier families: the names, numbers and messages one error goes by, for search to treat as one concept
beside the editable glossary (incidents/glossary.py). No database.

- errno: every name Python's ``errno`` knows, with its number as logs print it (``errno=11``, ``errno 11``)
  and the C library's message (``Resource temporarily unavailable``): EAGAIN = EWOULDBLOCK = errno=11.
- HTTP statuses from 400 up: the code, ``HTTP 429`` and the standard phrase (``Too Many Requests``).
- Signals: the name, ``signal 9``, and the shell's exit code of a process it killed (``exit code 137``).
- VULNERABILITIES: named vulnerabilities and their CVE numbers (Shellshock = CVE-2014-6271).
- CURATED: what people say beside those (429 is a rate limit, exit code 137 is usually the OOM killer).

The tables come from Python's own (``errno``, ``os.strerror``, ``http.HTTPStatus``, ``signal``), which follow the
platform and the RFCs. ``merged`` joins each family to the glossary entries that already hold one of its terms
(so ``EAGAIN`` typed finds ``errno=11`` and what the glossary says about it) and adds the others as entries of
their own (key ``errno-eagain``, ``http-429``, ``signal-sigkill``)."""

import errno
import os
import signal
from functools import cache
from http import HTTPStatus

from .glossary import fold

CURATED = {
    "EAGAIN": ["fork: retry", "can't start new thread", "failed to create new OS thread"],
    "ECONNRESET": ["connection reset", "reset by peer"],
    "ECONNREFUSED": ["connection refused"],
    "ETIMEDOUT": ["connection timed out"],
    "ENOSPC": ["disk full"],
    "EMFILE": ["too many open files"],
    "400": ["bad request"],
    "401": ["unauthorized", "認証エラー"],
    "403": ["forbidden", "アクセス拒否"],
    "429": ["rate limit", "rate limited", "rate limiting", "レート制限", "throttled", "throttling"],
    "500": ["internal server error"],
    "502": ["bad gateway"],
    "503": ["service unavailable"],
    "504": ["gateway timeout"],
    "SIGKILL": ["kill -9", "OOMKilled"],
    "SIGTERM": ["kill -15"],
    "SIGSEGV": ["segmentation fault", "segfault"],
}


def _errno_families():
    names = {}
    for name in dir(errno):
        value = getattr(errno, name)
        if name.startswith("E") and name.isupper() and isinstance(value, int):
            names.setdefault(value, []).append(name)
    for number, aliases in sorted(names.items()):
        primary = errno.errorcode.get(number, sorted(aliases)[0])
        ordered = [primary] + sorted(alias for alias in aliases if alias != primary)
        terms = [*ordered, f"errno={number}", os.strerror(number)]  # errno=11 is searched as errno 11 too
        for alias in ordered:
            terms += CURATED.get(alias, [])
        yield f"errno-{primary.lower()}", "error", terms


def _http_families():
    for status in HTTPStatus:
        if status >= 400:
            code = str(status.value)
            yield f"http-{code}", "error", [code, f"HTTP {code}", f"{code} {status.phrase}", status.phrase,
                                            *CURATED.get(code, [])]


def _signal_families():
    for sig in signal.Signals:
        if sig.name.startswith("SIG") and not sig.name.startswith("SIGRT"):
            yield f"signal-{sig.name.lower()}", "error", [
                sig.name, f"signal {sig.value}", f"exit code {128 + sig.value}", f"exit status {128 + sig.value}",
                *CURATED.get(sig.name, [])]


# Vulnerabilities better known by their name than by their CVE number (write-ups say one, people type the other).
VULNERABILITIES = [
    ["Heartbleed", "CVE-2014-0160"], ["Shellshock", "CVE-2014-6271", "CVE-2014-7169"], ["POODLE", "CVE-2014-3566"],
    ["Log4Shell", "CVE-2021-44228", "CVE-2021-45046"], ["Spring4Shell", "CVE-2022-22965"],
    ["Text4Shell", "CVE-2022-42889"], ["Spectre", "CVE-2017-5753", "CVE-2017-5715"], ["Meltdown", "CVE-2017-5754"],
    ["Dirty COW", "CVE-2016-5195"], ["Dirty Pipe", "CVE-2022-0847"], ["BlueKeep", "CVE-2019-0708"],
    ["EternalBlue", "CVE-2017-0144"], ["PwnKit", "CVE-2021-4034"], ["Baron Samedit", "CVE-2021-3156"],
    ["regreSSHion", "CVE-2024-6387"], ["xz backdoor", "CVE-2024-3094"], ["ImageTragick", "CVE-2016-3714"],
]


def _vulnerability_families():
    for terms in VULNERABILITIES:
        yield "vulnerability-" + terms[0].lower().replace(" ", "-"), "error", terms


def _unique(terms):
    seen, result = set(), []
    for term in terms:
        if fold(term) not in seen:
            seen.add(fold(term))
            result.append(term)
    return tuple(result)


@cache
def families():
    """Every family as (key, category, terms)."""
    return tuple((key, category, _unique(terms))
                 for key, category, terms in (*_errno_families(), *_http_families(), *_signal_families(),
                                              *_vulnerability_families()))


def merged(rows, disabled=()):
    """The glossary's enabled (key, category, terms) ``rows`` with the families: a family sharing a term with
    an entry adds its terms to that entry; one sharing none is an entry of its own; one sharing a term with
    a ``disabled`` entry's terms is left out (disabling an entry turns off what it says, families included)."""
    rows = [(key, category, tuple(terms)) for key, category, terms in rows]
    off = {fold(term) for term in disabled}
    where = {}
    for index, (_key, _category, terms) in enumerate(rows):
        for term in terms:
            where.setdefault(fold(term), index)
    for key, category, terms in families():
        if any(fold(term) in off for term in terms):
            continue
        hits = sorted({where[fold(term)] for term in terms if fold(term) in where})
        if not hits:
            where.update((fold(term), len(rows)) for term in terms)
            rows.append((key, category, terms))
            continue
        for index in hits:
            own_key, own_category, own_terms = rows[index]
            rows[index] = (own_key, own_category, _unique([*own_terms, *terms]))
    return rows
