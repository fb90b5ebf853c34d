"""Re-ranking the any-word fallback by how much of the query each incident covers: when no incident has every
word, one that has three of the four things asked for should come before one that repeats one of them many
times (BM25 adds the words' scores up, it does not count them). The first WINDOW hits are ordered by the
query's units (typed words, glossary runs) they match, each weighing by its rarity (log(1 + N / n), N the
incidents with any unit, n those with this one), then as the engine ranked them."""

import math

from . import backends, plan

WINDOW = 50


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
            having = engine.count(the_plan.query(unit), mask)
            weight = math.log(1 + total / max(1, having))  # a rare word covered counts more than a common one
            for pk in engine.matching_ids(the_plan.query(plan.And((unit, only))), mask, len(ids)):
                covered[pk] += weight
        order = {pk: position for position, pk in enumerate(ids)}
        head = sorted(head, key=lambda hit: (-covered[hit[0]["id"]], order[hit[0]["id"]]))
    return total, (head + tail)[(page - 1) * page_size:page * page_size]
