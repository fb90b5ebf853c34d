"""What makes two incidents alike, the same on every engine: the features of an incident, their weights and
idf gain, and which of its words and glossary concepts are distinctive enough to compare. Each backend's
``*_similar`` module looks the features up in its own index.
"""

import math
import re

from .analysis import RUN, normalize, stem_word, word_forms
from .concepts import tokens

GITHUB, TAG, SERVICE = 10.0, 2.0, 1.5  # the same upstream bug weighs most
TITLE_WORD, TEXT_WORD = 1.5, 0.5  # a key word found in another incident's title, in its text
CONCEPT = 1.5  # a glossary concept both hold, in any of the entry's terms
CATEGORY_BONUS = 2.0  # a shared factor category: common by nature, only a bonus among the candidates
LABEL_SHARE = 0.2  # a tag or service more incidents have (``postmortem``) says nothing of likeness
WORD_SHARE = CONCEPT_SHARE = 0.05  # nor does a word or concept more incidents hold (``ログ``)
KEY_WORDS, CJK_SHARE = 10, 0.4
TERMS = 40  # terms of the text considered for the key words
CONCEPTS = 10  # glossary concepts of the incident compared, the rarest first


def ceiling(share, count):
    """The most incidents a distinctive feature may be in, of ``count`` (never under 5: a tiny index)."""
    return max(5, share * count)


RARE = 10  # the idf of a feature held by RARE incidents is log 2 + 1; by one, log 11 + 1

# Said of most incidents, so neither a likeness nor a reason a reader understands (issue #29): words, tags and
# glossary concepts (by key) left out of the comparison. A number or an IP address's fragment (``10.89``) is
# never shown as a reason either (``shown_words``).
GENERIC_WORDS = frozenset("""
    agent app application cause client config configuration data error errors fail failed failure fix host
    incident incidents issue issues log logs monitoring network node postmortem problem request requests
    response retro server servers service services setting settings status system systems time timeout
    timeouts update user users
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yet still once
    障害 対応 恒久対応 暫定対応 原因 影響 復旧 不具合 バグ 調査 確認 発生 事象 対策 ポストモーテム サーバー サーバ
    タイムアウト エラー 設定 監視 ログ 起動 停止 再起動 利用 使用 実行 作成 変更 追加 削除 環境 状態 問題 必要 場合
    結果 時間 処理 機能 情報 動作 接続 通信 対象 手順 作業 運用 本番 発覚 解消 修正
""".split())
GENERIC_FORMS = GENERIC_WORDS | {stem_word(word) for word in GENERIC_WORDS}  # as indexed: ``onc``, ``failur``
STOP_CONCEPTS = frozenset({
    "outage", "downtime", "bug", "postmortem", "root-cause", "trigger", "impact", "severity", "mitigation",
    "permanent-fix", "recovery", "troubleshooting", "timeout", "monitoring", "alerting", "runbook", "process",
    "log-file", "on-call", "paging", "maintenance", "human-error", "degradation", "restart",
    # parts every system has: shared, they say nothing of the failure (the failure's own concepts do)
    "server", "host", "instance", "node", "cluster", "container", "pod", "database", "kernel", "disk", "memory",
    "cpu", "pid", "deploy", "client", "user", "worker", "daemon", "upstream", "downstream", "dependency",
    "third-party", "config-change",
})
NO_LETTER = re.compile(r"^[^a-z\u3040-\u30ff\u3400-\u9fff]*$")  # 10.89, 172.31.0.0/16, 5


def gain(weight, frequency):
    """A feature's score: ``weight`` × an idf of its own document frequency only. Not of the index's size:
    then saving an unrelated incident (one more document) would reweigh every feature and reorder near
    ties; ``frequency`` must count live documents only (not replaced ones an engine keeps until a merge)."""
    return weight * (1.0 + math.log1p(RARE / max(frequency, 1)))


class Frequencies:
    """Live document frequencies, kept for one comparison. ``raw(field, term)`` is the engine's own count,
    which still counts documents replaced since the last merge (so it moves when another incident is saved
    again); ``exact(field, term)`` reads the live count, asked only when the raw count is at most ``bound``
    (a term in more documents than that is too common to compare either way)."""

    def __init__(self, raw, exact, bound):
        self.raw, self.exact, self.bound, self.known = raw, exact, bound, {}

    def __call__(self, field, term):
        key = (field, term)
        if key not in self.known:
            raw = self.raw(field, term)
            self.known[key] = self.exact(field, term) if 0 < raw <= self.bound else raw
        return self.known[key]


def ranked_terms(counts, frequency, limit):
    """The terms of ``counts`` ({term: occurrences in the text}) held by 1 to ``limit`` incidents,
    the most informative first (occurrences × gain, then the term: the same order on every engine and run)."""
    scored = []
    for term, count in counts.items():
        found = frequency(term)
        if 0 < found <= limit:
            scored.append((-round(count * gain(1.0, found), 6), term))
    return [term for _score, term in sorted(scored)]


def key_words_of(title, counts, raw, frequency, count, skip_pieces=True):
    """The incident's key words (``key_words``) among ``count`` incidents: its title's identifiers
    (``title``: query tokens), then the terms of its text (``counts``: {index token: occurrences}). A
    shortlist is drawn by the engine's own counts (``raw(term)``, cheap), then ranked and filtered by live
    ones (``frequency(term)``), so the words chosen do not change when other incidents are saved again."""
    limit = ceiling(WORD_SHARE, count)
    shortlist = ranked_terms(counts, raw, 2 * limit)[:TERMS]
    text = ranked_terms({term: counts[term] for term in shortlist}, frequency, limit)
    words = [word for word in dict.fromkeys(title) if frequency(word) <= limit] + text
    return key_words([word for word in dict.fromkeys(words) if not generic(word)], skip_pieces=skip_pieces)


def telling(concept):
    """Whether a glossary concept found in a text may make two incidents alike: not a stop concept, and found
    as a term with a real word in it (``N+1`` is the tokens ``n`` and ``1``, found in any ``n 1``)."""
    return concept.key not in STOP_CONCEPTS and any(
        len(token) >= 2 and not generic(token) for term in concept.found for token in tokens(term))


def generic(word):
    return word in GENERIC_FORMS or NO_LETTER.match(word) is not None


def surface_forms(text):
    """{indexed Latin token: the word as written (lower-cased)} of ``text``: ``comput`` → ``computer``,
    ``aardvark`` → ``aardvark`` (a piece of ``aardvark-dns``), so a reason shows words a reader wrote."""
    folded, _origin = normalize(text)
    forms = {}
    for match in RUN.finditer(folded):
        if match["latin"]:
            for form in word_forms(match["latin"].lower()):
                forms.setdefault(stem_word(form), form)
                forms.setdefault(form, form)
    return forms


def shown_words(words, text, cjk_words, forms=None):
    """Of the matched key ``words``, those a reader recognises, as ``text`` writes them: Latin words of at
    least 3 characters with a letter, CJK words only when whole words of the text (``cjk_words``, not a
    bigram cut from one), never a generic word. ``forms``: ``surface_forms(text)`` when already known."""
    forms, shown = surface_forms(text) if forms is None else forms, []
    for word in words:
        if word.isascii():
            written = forms.get(word)
            if written and len(written) >= 3 and not generic(written) and not generic(word):
                shown.append(written)
        elif len(word) >= 2 and word in cjk_words and not generic(word):
            shown.append(word)
    return list(dict.fromkeys(shown))


def label_features(document, frequency, count):
    """[(field, value, weight)] of the incident's GitHub references and distinctive tags and services;
    ``frequency(field, value)`` is the number of incidents with that value among ``count``."""
    limit = ceiling(LABEL_SHARE, count)
    features = [("github", reference.lower(), GITHUB) for reference in document["github"]]
    for field, weight in (("tags", TAG), ("services", SERVICE)):
        features += [(field, value, weight) for value in (v.lower() for v in document[field])
                     if not generic(value) and frequency(field, value) <= limit]
    return features


def key_words(ranked, count=KEY_WORDS, cjk_share=CJK_SHARE, skip_pieces=False):
    """The incident's key words from ``ranked`` (its title's identifiers, then its text's key terms, already
    distinctive): at most ``count``, of which at most ``cjk_share`` CJK bigrams (one long word yields
    many; the identifiers ``aws-node``, ``pid_max`` must not be crowded out). With ``skip_pieces`` the
    pieces of an identifier already chosen (``datadog``, ``agent`` of ``datadog-agent``) are not chosen
    again."""
    chosen, cjk, pieces = [], 0, set()
    for word in ranked:
        if word in pieces:
            continue
        if skip_pieces:
            pieces.update(word_forms(word)[1:])
        if not word.isascii():
            if cjk >= count * cjk_share:
                continue
            cjk += 1
        if len(word) > 1:
            chosen.append(word)
        if len(chosen) == count:
            break
    return chosen
