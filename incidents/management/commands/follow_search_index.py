from django.core.management.base import BaseCommand

from incidents.search import follower


class Command(BaseCommand):
    help = ("Keep this machine's search index following the change log, in the foreground (for setups that "
            "run the web processes with SEARCH_FOLLOWER=0). Waits for the follower lock if another process holds it.")

    def handle(self, *args, **options):
        thread = follower.Follower()
        thread.start()
        self.stdout.write("Following the change log; Ctrl-C to stop.")
        try:
            while thread.is_alive():
                thread.join(1)
        except KeyboardInterrupt:
            thread.stop()
            thread.join(10)
