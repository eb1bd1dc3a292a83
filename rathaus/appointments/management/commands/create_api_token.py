"""Issue (or revoke) a token for the appointments API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.appointments.models import Channel
from rathaus.appointments.roles import AGENT_GROUP, ensure_agent
from rathaus.appointments.tokens import create_api_token, revoke_api_tokens, tokens_matching


class Command(BaseCommand):
    help = (f"Create an API token for an agent (created if needed, in the group {AGENT_GROUP}) "
            "and print it as the last line; or revoke tokens with --revoke PREFIX.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agent", help="user name of the agent (a tool, kiosk or person)")
        parser.add_argument("--channel", choices=[c.value for c in Channel],
                            default=Channel.STAFF.value,
                            help="quota the token books from (default: staff)")
        parser.add_argument("--name", default="", help="label shown in the admin")
        parser.add_argument("--revoke", metavar="PREFIX",
                            help="revoke the token(s) beginning with PREFIX, as the admin lists")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"]:
            tokens = tokens_matching(options["revoke"])
            if not tokens.exists():
                raise CommandError(f"No token begins with {options['revoke']!r}.")
            count = revoke_api_tokens(tokens=tokens)
            self.stdout.write(f"Revoked {count} token(s).")
            return
        if not options["agent"]:
            raise CommandError("Give --agent NAME (or --revoke PREFIX).")
        user, created = ensure_agent(username=options["agent"])
        token, key = create_api_token(user=user, channel=options["channel"],
                                      name=options["name"][:100])
        self.stdout.write(f"{'Created' if created else 'Using'} agent {user.username!r} "
                          f"(group {AGENT_GROUP}).")
        self.stdout.write(f"Token {token.prefix}… books from the {token.channel} quota. "
                          "It is shown only now:")
        self.stdout.write(key)
