import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postmortem.settings")
application = get_wsgi_application()

# This machine's search index follows the change log from a thread of the app process; with several
# processes (gunicorn workers) exactly one of them holds the follower lock and writes, the others read.
from incidents.search import follower  # noqa: E402  (needs the apps loaded above)

follower.start()
