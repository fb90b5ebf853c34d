import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postmortem.settings")
application = get_asgi_application()

# This machine's search index follows the change log from a thread of the app process; with several
# processes (gunicorn workers) exactly one of them holds the follower lock and writes, the others read.
from incidents.search import follower  # noqa: E402  (needs the apps loaded above)

follower.start()

# Without a broker, GitHub sync, its poll and the sweep run in a background thread (incidents.background).
from incidents import background  # noqa: E402

background.start()
