from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.staff import services
from rathaus.staff.links import welcome_link
from rathaus.staff.models import DepartmentRole

ACTOR = "manage.py create_staff_user"


def role_grant(value: str) -> services.RoleGrant:
    role, _, department = value.partition(":")
    if role not in DepartmentRole.values or not department:
        raise ValueError(value)
    return services.RoleGrant(role=DepartmentRole(role), department=department)


class Command(BaseCommand):
    help = ("Create a staff account (or, with --new-link, renew the link of an existing one) "
            "and print the one-time enrolment note with the link to set a password.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--role", action="append", default=[], type=role_grant,
                            metavar="clerk:SLUG|lead:SLUG",
                            help="a department role, e.g. clerk:ordnungsamt (repeatable)")
        parser.add_argument("--agent", action="store_true",
                            help="citizens' office agent (group Bürgerbüro)")
        parser.add_argument("--cash-office", action="store_true",
                            help="cash office (group Stadtkasse)")
        parser.add_argument("--editor", action="store_true",
                            help="editorial office: the service editor (group Redaktion)")
        parser.add_argument("--admin", action="store_true",
                            help="administrator: the admin site and every department")
        parser.add_argument("--new-link", action="store_true",
                            help="existing account: print a new link to set the password")
        parser.add_argument("--reset-second-factor", action="store_true",
                            help="existing account: remove the app and recovery codes")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        existing = User.objects.filter(username=username).first()
        if options["new_link"] or options["reset_second_factor"]:
            if existing is None:
                raise CommandError(f"There is no account {username}.")
            if options["reset_second_factor"]:
                services.reset_second_factor(user=existing, actor_label=ACTOR)
                self.stdout.write(f"Two-factor authentication of {username} removed: it is set "
                                  "up again at the next sign-in.")
            if options["new_link"]:
                self.note(existing)
            return
        if existing is not None:
            raise CommandError(f"The account {username} exists already (see --new-link).")
        try:
            user = services.create_staff_user(
                username=username, email=options["email"], roles=options["role"],
                agent=options["agent"], administrator=options["admin"],
                cash_office=options["cash_office"], editor=options["editor"],
                actor_label=ACTOR)
        except services.UnknownDepartment as error:
            raise CommandError(f"Unknown department: {error}") from error
        self.note(user)

    def note(self, user: User) -> None:
        """Print what the new member of staff needs, to be handed over in person."""
        self.stdout.write(
            "\n".join([
                f"Staff account: {user.get_username()}",
                "1. Open this link (valid once, for a few days) and choose a password:",
                f"   {welcome_link(user)}",
                "2. Sign in at /de/staff/login/ and set up an authenticator app on the phone.",
                "3. Keep the recovery codes shown after setting up the app.",
            ]))
