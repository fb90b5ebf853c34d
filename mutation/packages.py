"""What `make mutation` mutates, and the tests it runs against each target. mutmut runs, for each mutant,
only those of a target's tests that call the mutated function (it records which in a first, clean run),
so a target's tests are the ones that exercise it, no more: the first run costs their whole time."""

NOT_HERE = ("-m", "not worker")  # a real Celery worker would run the unmutated code, over a shared Redis

TARGETS = {
    "actions": {
        "mutate": ["incidents/actions/*"],
        # less the jobs that render real PDFs (15-80 s each, under every mutant of the exports and of what
        # the demo data go through: tests/web/test_exports.py): tests/actions/test_exports.py covers them with a
        # stand-in renderer
        "tests": ["tests/actions", "tests/github", "tests/web/test_github.py", "tests/notifications", "tests/reviews",
                  "tests/api/test_comments.py", "tests/web/test_comments.py", "tests/search/test_comments.py",
                  "tests/history"],
    },
    "webhooks": {
        "mutate": ["incidents/github/webhooks.py"],
        "tests": ["tests/github", "tests/web/test_github.py"],  # the parser's tests and the view's
    },
    "plan": {
        "mutate": ["incidents/search/plan.py"],
        "tests": ["tests/search/test_words.py", "tests/search/test_query_dates.py", "tests/search/test_identifiers.py",
                  "tests/search/test_facets.py", "tests/search/test_search.py"],
    },
    "query": {
        "mutate": ["incidents/search/query.py"],
        "tests": ["tests/search/test_words.py", "tests/search/test_query_dates.py", "tests/search/test_identifiers.py",
                  "tests/search/test_facets.py", "tests/search/test_search.py"],
    },
    "imports": {
        # the whole package is 3,100 mutants of its pure parsing half alone (hours on a busy 2-core machine):
        # the timeline, the values (times, time zones, durations, severities) and the front matter, against
        # the tests that need no database; widen "mutate" to incidents/imports/* when there is time
        "mutate": ["incidents/imports/timeline.py", "incidents/imports/values.py", "incidents/imports/frontmatter.py"],
        "tests": ["tests/imports", "--ignore=tests/imports/test_run.py", "--ignore=tests/imports/test_corpus.py"],
    },
    "text": {
        "mutate": ["incidents/text/*"],
        "tests": ["tests/text", "tests/history"],  # the diff's (tests/text/test_diff.py) and the history's
    },
}
