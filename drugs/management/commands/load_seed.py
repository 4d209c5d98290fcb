from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drugs.interchange import ImportRefused, import_data, read_document
from drugs.models import Drug, RelapseFinding, Source

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


class Command(BaseCommand):
    help = (
        "Load the seed monographs (drugs/seed/*.json). Adds only what is missing, never overwrites "
        "curated data: a second run changes nothing."
    )

    def handle(self, *args, **options):
        for path in sorted(SEED_DIR.glob("*.json")):
            try:
                import_data(read_document(path.read_bytes()), keep_existing=True)
            except ImportRefused as refused:
                raise CommandError(f"{path.name}:\n" + "\n".join(refused.problems)) from refused
            self.stdout.write(f"Loaded {path.name}")
        findings = RelapseFinding.objects.filter(profile__drug__public_copy_of__isnull=True).count()
        totals = f"{Drug.objects.working().count()} drugs, {findings} findings, {Source.objects.count()} sources"
        self.stdout.write(self.style.SUCCESS(f"Seed loaded: {totals}."))
