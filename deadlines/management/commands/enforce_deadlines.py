from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deadlines import clocks
from deadlines.days import short_datetime


class Command(BaseCommand):
    help = "Expire the clocks due now (or at --now) and send due reminders (R-CLK-4)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen.")
        parser.add_argument(
            "--now", help="Act as if it were this moment (ISO 8601, e.g. 2027-01-12T23:00-06:00)."
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        moment = timezone.now()
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(
                    f"--now: {exc}. Use ISO 8601, e.g. 2027-01-12T23:00-06:00."
                ) from exc
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        if dry_run:
            report = clocks.preview_due(moment)
            for clock in report.expired:
                self.stdout.write(f"would expire: {describe(clock)}")
            for clock in report.reminded:
                self.stdout.write(f"would remind: {describe(clock)}")
            self.stdout.write(
                f"Dry run at {moment.isoformat()}: {len(report.expired)} to expire, "
                f"{len(report.reminded)} to remind."
            )
            return
        expired = clocks.enforce_due_clocks(moment)
        reminded = clocks.send_due_reminders(moment)
        self.stdout.write(
            f"At {moment.isoformat()}: expired {expired} clock(s), sent {reminded} reminder(s)."
        )


def describe(clock):
    return (
        f"{clock.kind} clock #{clock.pk} on {clock.content_type.model} {clock.object_id}, "
        f"due {short_datetime(clock.due_at)} Central"
    )
