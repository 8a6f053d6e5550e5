import argparse
import contextlib
import logging
import signal
import threading
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from deadlines import clocks
from deadlines.days import short_datetime

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Expire the clocks due now (or at --now) and send due reminders (R-CLK-4). With "
            "--every, keep doing it: a sweeper that needs no broker (issue 15).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen.")
        parser.add_argument(
            "--now", help="Act as if it were this moment (ISO 8601, e.g. 2027-01-12T23:00-06:00)."
        )
        parser.add_argument(
            "--every", type=float, metavar="SECONDS",
            help="Sweep again every SECONDS until stopped (SIGTERM or Ctrl-C). It needs the "
                 "database only: deadlines hold while the broker is down; the e-mails wait "
                 "in the outbox.")
        parser.add_argument("--times", type=int, default=0, help=argparse.SUPPRESS)

    def handle(self, *args, dry_run=False, now=None, every=None, times=0, **options):
        if every is not None:
            if every <= 0 or now or dry_run:
                raise CommandError("--every needs a positive number of seconds, without "
                                   "--now or --dry-run.")
            return self._loop(every, times)
        return self._once(dry_run=dry_run, now=now)

    def _loop(self, every, times):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError):  # not the main thread (a test)
                signal.signal(sig, lambda *_: stop.set())
        done = 0
        while not stop.is_set():
            try:
                self._once(dry_run=False, now=None)
            except DatabaseError:
                # The database restarting: the next round reconnects (issue 15).
                log.warning("Deadline sweep failed: the database is unavailable; retrying.",
                            exc_info=True)
                close_old_connections()
            done += 1
            if times and done >= times:
                break
            stop.wait(every)

    def _once(self, *, dry_run, now):
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
