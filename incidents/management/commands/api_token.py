"""Print a user's API token, creating it if they have none; --regenerate replaces it (the old key stops
working at once). `make token USER=demo` runs this. The output is DRF's drf_create_token's, so scripts
that read the key as the third word keep working: ``Generated token <KEY> for user demo``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from incidents.actions import tokens


class Command(BaseCommand):
    help = "Print USERNAME's API token, creating it if missing; --regenerate replaces it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("-r", "--regenerate", "--reset", action="store_true", dest="regenerate",
                            help="Replace the user's token with a new one (the old key stops working).")

    def handle(self, *args, username, regenerate, **options):
        users = get_user_model()
        try:
            user = users._default_manager.get_by_natural_key(username)
        except users.DoesNotExist:
            raise CommandError(f"Cannot create the token: user {username} does not exist.") from None
        token = tokens.regenerate_token(user) if regenerate else tokens.create_token(user)[0]
        self.stdout.write(f"Generated token {token.key} for user {username}")
