import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from drugs import services
from drugs.models import Drug, RelapseFinding, Source

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


class Command(BaseCommand):
    help = "Load the seed monographs (drugs/seed/*.json). Safe to run again: a second run changes nothing."

    def handle(self, *args, **options):
        for path in sorted(SEED_DIR.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            try:
                services.seed_load(data=data)
            except ValidationError as error:
                raise CommandError(f"{path.name}: {error}") from error
            self.stdout.write(f"Loaded {path.name}")
        findings = RelapseFinding.objects.filter(profile__drug__public_copy_of__isnull=True).count()
        totals = f"{Drug.objects.working().count()} drugs, {findings} findings, {Source.objects.count()} sources"
        self.stdout.write(self.style.SUCCESS(f"Seed loaded: {totals}."))
