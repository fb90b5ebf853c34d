"""The Slack app's endpoints: POST /slack/commands/ (the ``/postmortem`` slash command) and POST /slack/events/
(Slack's Events API: the ``url_verification`` challenge, ``link_shared`` → previews of incident links). Each
request's signature is checked on the raw body before anything reads it (incidents.slack_signature): a forged,
old or replayed request gets 401 and nothing is done. Without settings.SLACK both answer 404.

The command answers at once (the search is fast; Slack wants an answer within 3 s), searching as the account
whose email is the Slack user's. Unfurls are sent after the answer, in a thread of their own (Slack wants its
200 first); a retried event (the same ``event_id``) is unfurled once."""

import json
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from incidents import slack_client, slack_messages
from incidents.slack_signature import BadSignature, verify

log = logging.getLogger(__name__)

EVENT_SECONDS = 60 * 60  # how long an event_id is remembered: Slack retries within minutes


def in_background(function, *args):
    """Run ``function(*args)`` after this answer, in a daemon thread (tests replace it to wait for it)."""
    thread = threading.Thread(target=function, args=args, name="slack-unfurl", daemon=True)
    thread.start()
    return thread


def send_unfurls(channel, ts, previews):
    try:
        slack_client.unfurl(channel, ts, previews)
    except slack_client.SlackError as error:
        log.warning("Slack unfurl of %s in %s failed: %s", ", ".join(previews), channel, error)


class SlackView(View):
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not settings.SLACK:
            raise Http404("Slack is not configured")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request):
        try:
            verify(settings.SLACK["signing_secret"], request.body, request.headers.get("X-Slack-Request-Timestamp"),
                   request.headers.get("X-Slack-Signature"))
        except BadSignature as error:
            log.warning("Slack request to %s refused: %s", request.path, error)
            return JsonResponse({"detail": f"Not a valid request from Slack: {error}."}, status=401)
        return self.handle(request)


@method_decorator(csrf_exempt, name="dispatch")
class CommandView(SlackView):
    """POST /slack/commands/: ``/postmortem <query>`` (form-encoded, as Slack sends slash commands)."""

    def handle(self, request):
        text = " ".join(request.POST.get("text", "").split())[:500]
        language = slack_messages.language_of(text)
        if not text or text.lower() in {"help", "?"} or text == "ヘルプ":
            return JsonResponse(slack_messages.help_answer(language))
        try:
            user = slack_client.account_for(request.POST.get("user_id", ""))
        except slack_client.SlackError as error:
            log.warning("Slack command: could not ask Slack who %s is: %s", request.POST.get("user_id"), error)
            return JsonResponse(slack_messages.unavailable_answer(language))
        if user is None:
            return JsonResponse(slack_messages.link_account_answer(language))
        return JsonResponse(slack_messages.search_answer(text, user))


@method_decorator(csrf_exempt, name="dispatch")
class EventView(SlackView):
    """POST /slack/events/: Slack's Events API (JSON)."""

    def handle(self, request):
        try:
            payload = json.loads(request.body)
        except ValueError:
            return JsonResponse({"detail": "The body is not JSON."}, status=400)
        if not isinstance(payload, dict):
            return JsonResponse({"detail": "The body is not a JSON object."}, status=400)
        if payload.get("type") == "url_verification":
            return JsonResponse({"challenge": str(payload.get("challenge", ""))})
        event = payload.get("event")
        if payload.get("type") != "event_callback" or not isinstance(event, dict) or event.get("type") != "link_shared":
            return JsonResponse({})
        event_id = str(payload.get("event_id") or "")
        if event_id and not cache.add(f"slack-event:{event_id}", 1, EVENT_SECONDS):
            return JsonResponse({})  # a retry of an event already handled
        links = event.get("links") if isinstance(event.get("links"), list) else []
        urls = [link["url"] for link in links if isinstance(link, dict) and isinstance(link.get("url"), str)]
        previews = slack_messages.unfurls(urls[:20], settings.LANGUAGE_CODE)
        if previews and event.get("channel") and event.get("message_ts"):
            in_background(send_unfurls, str(event["channel"]), str(event["message_ts"]), previews)
        return JsonResponse({})
