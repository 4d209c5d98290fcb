from django.core.management.base import BaseCommand, CommandError

from drugs.interchange import ImportRefused, import_data, read_document
from drugs.interchange.importer import MAX_FILE_BYTES


class Command(BaseCommand):
    help = (
        "Import a medinfo/1 JSON file (docs/data-format.md). The file is authoritative for every record it "
        "holds. All or nothing: any invalid record is reported and no row changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON file, as written by export_monographs")

    def handle(self, *args, path, **options):
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)  # one byte more tells an oversized file without reading it all
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            import_data(read_document(raw))
        except ImportRefused as refused:
            raise CommandError(
                f"{path}: nothing was imported; fix these {len(refused.problems)} problem(s):\n"
                + "\n".join(refused.problems)
            ) from refused
        self.stdout.write(self.style.SUCCESS(f"Imported {path}."))
