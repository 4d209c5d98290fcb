import json

from django.core.management.base import BaseCommand, CommandError

from drugs.interchange import ImportRefused, import_data


class Command(BaseCommand):
    help = (
        "Import a medinfo/1 JSON file (docs/data-format.md). The file is authoritative for every record it "
        "holds. All or nothing: any invalid record is reported and no row changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON file, as written by export_monographs")

    def handle(self, *args, path, **options):
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"{path}: {error}") from error
        try:
            import_data(data)
        except ImportRefused as refused:
            raise CommandError(
                f"{path}: nothing was imported; fix these {len(refused.problems)} problem(s):\n"
                + "\n".join(refused.problems)
            ) from refused
        self.stdout.write(self.style.SUCCESS(f"Imported {path}."))
