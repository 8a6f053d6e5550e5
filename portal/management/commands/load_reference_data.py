from django.core.management.base import BaseCommand

from portal.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Create the MCOs and complaint types of fixtures/ that are missing (never overwrites)."

    def handle(self, *args, **options):
        created = load_reference_data()
        self.stdout.write(f"Reference data loaded: {created} new row(s).")
