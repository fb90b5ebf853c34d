from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incidents import search


class Command(BaseCommand):
    help = ("Report whether this machine's search index is readable, how far it lags behind the change log, "
            "and incidents missing from or stale in it (exit code 1 if anything is wrong).")

    def handle(self, *args, **options):
        state = search.status()
        self.stdout.write(f"Change log: {state['behind']} change(s) after the index's settled position "
                          f"#{state['position']} (oldest {state['oldest_seconds']:.0f} s ago); "
                          f"{state['rereading']} at or below it re-read until their transactions end.")
        reconciled = state["reconciled"]
        if reconciled:
            self.stdout.write(f"Last reconcile ({reconciled['at']}): {reconciled['drift']} incident(s) differed "
                              "from the database and were fixed" + _named(reconciled) + ".")
        else:
            self.stdout.write("No reconcile has run yet (the follower runs one every "
                              f"{settings.SEARCH_RECONCILE_SECONDS} s).")
        if state["problem"]:
            raise CommandError(f"The search index needs a rebuild: {state['problem']}. The follower repairs it "
                               "by itself; `manage.py rebuild_search_index` does it now.", returncode=1)
        try:
            missing, stale, orphans = search.check()
        except search.SearchUnavailable as exc:
            raise CommandError(f"The search index cannot be read ({exc.reason}).", returncode=1) from None
        for label, ids in (("missing from the index", missing), ("stale in the index", stale),
                           ("in the index but not in the database", orphans)):
            if ids:
                self.stdout.write(f"{len(ids)} incident(s) {label}: {', '.join(f'INC-{pk}' for pk in ids)}")
        if missing or stale or orphans:
            raise CommandError("The search index is out of date; run `manage.py rebuild_search_index`.", returncode=1)
        if state["behind"] and state["oldest_seconds"] > settings.SEARCH_STALE_SECONDS:
            raise CommandError(f"The search index lags: a change logged {state['oldest_seconds']:.0f} s ago is not "
                               "settled in it. Is the follower running?", returncode=1)
        self.stdout.write("Search index is up to date.")


def _named(report):
    parts = [f"{label}: {', '.join(f'INC-{pk}' for pk in report.get(key) or [])}"
             for key, label in (("missing", "missing"), ("stale", "stale"), ("orphans", "not in the database"))
             if report.get(key)]
    return f" ({'; '.join(parts)})" if parts else ""
