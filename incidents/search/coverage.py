"""Re-ranking the any-word fallback by how much of the query each incident covers: when no incident has every
word, one that has three of the four things asked for should come before one that repeats one of them many
times (BM25 adds the words' scores up, it does not count them). The first WINDOW hits are ordered by the
query's units (typed words, glossary runs) they match, each weighing by its rarity (log(1 + N / n), N the
incidents with any unit, n those with this one), then as the engine ranked them.

Then pseudo-relevance feedback from the organisation's own labelling: a tag that at least two of the first
FEEDBACK hits share (a ``postgres`` and ``xid-wraparound`` both carry) says what the query is about better
than its loose words, so the hits below them carrying that tag rise (TAG_WEIGHT times its rarity, the same
measure as a unit's). The first FEEDBACK hits keep their places: feedback only reorders what follows them."""

import math
from collections import Counter

from . import backends, plan

WINDOW = 50
FEEDBACK = 3  # the first hits whose shared tags are feedback
TAG_WEIGHT = 0.3  # a shared tag's weight, as a share of a typed unit of the same rarity


def _rarity(total, having):
    return math.log(1 + total / max(1, having))  # a rare word or tag counts more than a common one


def _feedback(engine, head, covered, mask, total):
    """Adds to ``covered`` (id -> weight) the weight of the tags that FEEDBACK first hits share."""
    counts = Counter(tag for document, _score, _snippet in head[:FEEDBACK] for tag in set(document["tags"]))
    for tag, sharing in sorted(counts.items()):
        if sharing < 2:
            continue
        weight = TAG_WEIGHT * _rarity(total, engine.count(plan.Term("tags", tag.lower()), mask))
        for document, _score, _snippet in head[FEEDBACK:]:
            if tag in document["tags"]:
                covered[document["id"]] += weight


def rerank(the_plan, node, mask, page, page_size):
    """(total, the hits of ``page``) of the any-word pass ``node``, its first WINDOW hits re-ranked."""
    engine = backends.current()
    total, hits = engine.run(node, mask, 1, max(WINDOW, page * page_size))
    head, tail = hits[:WINDOW], hits[WINDOW:]
    ids = [document["id"] for document, _score, _snippet in head]
    if len(ids) > 1 and len(the_plan.any_units) > 1:
        only = plan.Or(tuple(plan.Term("id", str(pk)) for pk in ids))
        covered = dict.fromkeys(ids, 0.0)
        for unit in the_plan.any_units:
            weight = _rarity(total, engine.count(the_plan.query(unit), mask))
            for pk in engine.matching_ids(the_plan.query(plan.And((unit, only))), mask, len(ids)):
                covered[pk] += weight
        order = {pk: position for position, pk in enumerate(ids)}

        def ranked(hits):
            return sorted(hits, key=lambda hit: (-covered[hit[0]["id"]], order[hit[0]["id"]]))

        head = ranked(head)
        _feedback(engine, head, covered, mask, total)
        head = head[:FEEDBACK] + ranked(head[FEEDBACK:])
    return total, (head + tail)[(page - 1) * page_size:page * page_size]
