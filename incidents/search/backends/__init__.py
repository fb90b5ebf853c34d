"""The search engines behind ``incidents.search``: ``whoosh`` (the default) and ``tantivy``, chosen by
settings.SEARCH_BACKEND. Each offers the same functions (``create``, ``write``, ``bulk_load``, ``run``,
``facets`` … see ``whoosh``), and its ``*_similar`` module offers ``similar``; both receive the tokens of
the project's own analysers, so they match the same documents for the same plan (``search.plan``).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import tantivy, tantivy_similar, whoosh, whoosh_similar

ENGINES = {"whoosh": (whoosh, whoosh_similar), "tantivy": (tantivy, tantivy_similar)}


def name():
    """The configured engine's name."""
    if settings.SEARCH_BACKEND not in ENGINES:
        raise ImproperlyConfigured(f"SEARCH_BACKEND={settings.SEARCH_BACKEND!r}: use one of {', '.join(ENGINES)}")
    return settings.SEARCH_BACKEND


def current():
    """The configured engine's module."""
    return ENGINES[name()][0]


def engine(engine_name):
    """The module of the engine named ``engine_name`` (a generation's ``engine``); KeyError for none."""
    return ENGINES[engine_name][0]


def similar(document, mask, limit=5, concepts=()):
    """Incidents like ``document`` by the configured engine: [(indexed document, score, matched words,
    matched glossary concept keys)]; ``concepts`` are the document's (``search.concepts``)."""
    return ENGINES[name()][1].similar(document, mask, limit=limit, concepts=concepts)


def forget():
    """Drop every engine's cached handles (after a generation was replaced, removed or damaged)."""
    for engine, _similar in ENGINES.values():
        engine.forget()
