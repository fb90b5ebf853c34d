"""What makes two incidents alike, the same on every engine: the features of an incident, their weights and
idf gain, and which of its words and glossary concepts are distinctive enough to compare. Each backend's
``*_similar`` module looks the features up in its own index.
"""

import math

from .analysis import word_forms

GITHUB, TAG, SERVICE = 10.0, 2.0, 1.5  # the same upstream bug weighs most
TITLE_WORD, TEXT_WORD = 1.5, 0.5  # a key word found in another incident's title, in its text
CONCEPT = 1.5  # a glossary concept both hold, in any of the entry's terms
CATEGORY_BONUS = 2.0  # a shared factor category: common by nature, only a bonus among the candidates
LABEL_SHARE = 0.2  # a tag or service more incidents have (``postmortem``) says nothing of likeness
WORD_SHARE = CONCEPT_SHARE = 0.05  # nor does a word or concept more incidents hold (``ログ``)
KEY_WORDS, CJK_SHARE = 10, 0.4
CONCEPTS = 10  # glossary concepts of the incident compared, the rarest first


def ceiling(share, count):
    """The most incidents a distinctive feature may be in, of ``count`` (never under 5: a tiny index)."""
    return max(5, share * count)


def gain(weight, total, frequency):
    """A feature's score: ``weight`` × its idf among ``total`` incidents (safe on tiny indexes)."""
    return weight * (math.log((total + 1) / (frequency + 1)) + 1)


def label_features(document, frequency, count):
    """[(field, value, weight)] of the incident's GitHub references and distinctive tags and services;
    ``frequency(field, value)`` is the number of incidents with that value among ``count``."""
    limit = ceiling(LABEL_SHARE, count)
    features = [("github", reference.lower(), GITHUB) for reference in document["github"]]
    for field, weight in (("tags", TAG), ("services", SERVICE)):
        features += [(field, value, weight) for value in (v.lower() for v in document[field])
                     if frequency(field, value) <= limit]
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
