from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_ACCOUNTS, create_demo_accounts


class Command(BaseCommand):
    help = "Create one demo account per role (embedded SQLite default only) and print them."

    def handle(self, *args, **options):
        if not settings.EMBEDDED_DEFAULT:
            raise CommandError(
                "Demo accounts are made only on the embedded SQLite default, never on a "
                "shared database. Unset DATABASE_URL to use them."
            )
        create_demo_accounts()
        self.stdout.write(self.style.SUCCESS("Demo accounts (embedded default only):"))
        for a in DEMO_ACCOUNTS:
            line = f"  {a.role.label:<20} {a.email:<42} password: {a.password}"
            if a.totp_secret:
                line += f"  TOTP secret: {a.totp_secret}"
            self.stdout.write(line)
        self.stdout.write(
            "  Staff sign in with a 6-digit code from an authenticator app set up with the "
            "TOTP secret above (for example: oathtool --totp -b SECRET)."
        )
