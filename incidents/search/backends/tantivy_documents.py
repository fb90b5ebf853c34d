"""The documents of the tantivy index (see ``tantivy``): its fields, and the analysis that turns an index
document (documents.document_for) into a tantivy Document, in worker processes for a rebuild."""

import array
import collections
import datetime
import itertools
import json
import multiprocessing

import tantivy

from .. import plan
from ..plan import FACETS
from ..analysis import tokens as bigram_tokens
from ..words import words
from .tantivy_cache import pack, unpack

BULK_BATCH = 50  # documents per analysis task of a worker process

TEXT_FIELDS = (*plan.BIGRAM_FIELDS, *plan.WORD_FIELDS)
# Keyword fields: lower-cased or kept as stored (as Whoosh's KEYWORD lowercase= and ID fields).
KEYWORDS = {"tags": True, "services": True, "categories": False, "github": True, "fields": True, "authors": False,
            "severity": False, "status": False, "visibility": False, "readers": False}
FIELDS = ("id", "pk", *TEXT_FIELDS, *KEYWORDS, "started", "year", "stored")
STORED = ("id", "reference", "title", "summary", "body", "tags", "services", "categories", "github", "severity",
          "status", "started", "year", "digest", "stamp")


def make_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("pk", fast=True)  # the id of a hit without reading its stored document
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name in KEYWORDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="freq", fast=name in FACETS)
    builder.add_integer_field("started", indexed=True, fast=True)  # microseconds (see _micros)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_bytes_field("stored", stored=True)
    return builder.build()


SCHEMA = make_schema()


# --- analysis: our tokens for tantivy -----------------------------------------------------------------


def _bigram_tokens(text):
    return [(token, position) for token, position, _start, _end in bigram_tokens(text)]


def _word_tokens(text):
    return [(form, position, start, end) for form, position, start, end in words(text)]


def analyse(document):
    """What tantivy needs of a document that takes analysing, as compact plain data (worker processes
    return it; pickling lists of tuples would cost the parent more than it saves): {"tokens": {text field:
    (its tokens joined by NUL, which no token holds, their positions as int32 bytes)}, "stored": the
    stored JSON, with the spans of its Japanese words in its title, summary and body for the snippets}."""
    summary = document["summary"]
    text = f"{summary}\n{document['body']}"
    title_words, text_words = _word_tokens(document["title"]), _word_tokens(text)
    cut = len(summary) + 1
    spans = {"title": [(form, start, end) for form, _pos, start, end in title_words if not form.isascii()],
             "summary": [], "body": []}
    for form, _pos, start, end in text_words:
        if not form.isascii():
            if end <= len(summary):
                spans["summary"].append((form, start, end))
            elif start >= cut:
                spans["body"].append((form, start - cut, end - cut))
    fields = {"title": _bigram_tokens(document["title"]), "labels": _bigram_tokens(document["labels"]),
              "text": _bigram_tokens(text), "title_words": [token[:2] for token in title_words],
              "label_words": [token[:2] for token in _word_tokens(document["labels"])],
              "words": [token[:2] for token in text_words]}
    stored = {name: document[name] for name in STORED}
    stored["started"] = document["started"].isoformat() if document["started"] is not None else None
    stored["spans"] = spans  # so that Sudachi need not read the hits again for their snippets
    return {"tokens": {name: ("\0".join(token for token, _pos in tokens),
                              array.array("i", [pos for _token, pos in tokens]).tobytes())
                       for name, tokens in fields.items()},
            "stored": json.dumps(stored, ensure_ascii=False).encode()}


def _analyse_batch(documents):
    """The packed analyses (``tantivy_cache.pack``: smaller to send back than the analyses themselves)."""
    return [pack(analyse(document)) for document in documents]


EPOCH = datetime.datetime(1970, 1, 1)


def micros(moment):
    """A naive UTC datetime (as documents and plans hold them) as microseconds since 1970. Not tantivy's
    date field: it holds nanoseconds, 1677 to 2262 only, and incidents and filters may be dated 0001-9999."""
    return None if moment is None else (moment - EPOCH) // datetime.timedelta(microseconds=1)


def tantivy_document(document, analysed):
    doc = tantivy.Document()
    doc.add_text("id", str(document["id"]))
    doc.add_integer("pk", int(document["id"]))
    for name in TEXT_FIELDS:
        joined, packed = analysed["tokens"][name]
        positions = array.array("i")
        positions.frombytes(packed)
        texts = joined.split("\0") if positions else []
        # The text is not stored and tantivy reads only the tokens' texts and positions from it.
        tokens = list(map(tantivy.Token, texts, positions, itertools.repeat(0), itertools.repeat(0)))
        doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString("", tokens))
    for name, lower in KEYWORDS.items():
        values = document[name]
        for value in [values] if isinstance(values, str) else values:
            if value:
                doc.add_text(name, value.lower() if lower else value)
    if document["started"] is not None:
        doc.add_integer("started", micros(document["started"]))
    if document["year"] is not None:
        doc.add_integer("year", int(document["year"]))
    doc.add_bytes("stored", analysed["stored"])
    return doc


def analysed(documents, procs, cache=None):
    """(document, tokens) for each document, analysed in ``procs`` forked worker processes when > 1 (Sudachi
    dominates a rebuild), or taken from ``cache`` (a ``tantivy_cache.Rebuild``) by digest, which receives
    every analysis. The documents are read here, in this thread (they come from the database), and sent in
    batches, a few per worker in flight, so memory stays bounded and the order is kept."""
    if procs <= 1 and cache is None:
        for document in documents:
            yield document, analyse(document)
        return
    documents = iter(documents)
    in_flight = collections.deque()
    pool = multiprocessing.get_context("fork").Pool(procs) if procs > 1 else None
    try:
        while True:
            batch = list(itertools.islice(documents, BULK_BATCH))
            if batch:
                known = cache.known([document["id"] for document in batch]) if cache else {}
                todo = [document for document in batch if document["digest"] not in known]
                if pool is None or not todo:
                    known.update(zip((document["digest"] for document in todo), _analyse_batch(todo)))
                    in_flight.append((batch, known, todo, None))
                else:
                    in_flight.append((batch, known, todo, pool.apply_async(_analyse_batch, (todo,))))
            while in_flight and (len(in_flight) > 2 * procs or not batch):
                done, known, todo, result = in_flight.popleft()
                if result is not None:
                    known.update(zip((document["digest"] for document in todo), result.get()))
                if cache:
                    cache.keep([(document["id"], document["digest"], known[document["digest"]]) for document in done])
                yield from ((document, unpack(known[document["digest"]])) for document in done)
            if not batch:
                return
    finally:
        if pool is not None:
            pool.terminate()
