"""Recount the report summaries from the source tables (docs/decisions/0008).

Run it after a bulk load, or to check the summaries: on a database the beat job keeps up to
date it changes nothing (``--check`` says so and exits 1 when it would).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from reports import summaries


class Command(BaseCommand):
    help = "Recount the report summaries from the tickets, clocks and decisions."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="refresh, rebuild, and fail if the rebuild changed a number")

    def handle(self, *args, check=False, **options):
        before = None
        if check:
            summaries.refresh()
            before = summaries.summary_totals()
        started = time.perf_counter()

        def progress(done):
            if done % 100_000 == 0:
                self.stdout.write(f"  {done:,} tickets counted")

        counted = summaries.rebuild(progress=progress)
        self.stdout.write(f"{counted:,} tickets counted in {time.perf_counter() - started:.1f} s.")
        if check and summaries.summary_totals() != before:
            raise CommandError("The rebuild changed the summaries: they had drifted.")
