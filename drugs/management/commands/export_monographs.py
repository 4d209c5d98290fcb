from django.core.management.base import BaseCommand

from drugs.interchange import export_json


class Command(BaseCommand):
    help = "Write the whole curated dataset as medinfo/1 JSON (docs/data-format.md) to standard output."

    def handle(self, *args, **options):
        self.stdout.write(export_json(), ending="")
