from django.core.management.base import BaseCommand, CommandError

from drugs.interchange import export_json
from drugs.models import Drug


class Command(BaseCommand):
    help = (
        "Write the whole curated dataset as medinfo/1 JSON (docs/data-format.md) to standard output; with --drug, "
        "one drug and the sources and conditions it cites (a seed file); with --disclaimers, the disclaimers alone."
    )

    def add_arguments(self, parser):
        part = parser.add_mutually_exclusive_group()
        part.add_argument("--drug", metavar="SLUG", help="one drug, e.g. baricitinib")
        part.add_argument("--disclaimers", action="store_true", help="the disclaimers alone")

    def handle(self, *args, drug=None, disclaimers=False, **options):
        if drug is not None and not Drug.objects.working().filter(slug=drug).exists():
            raise CommandError(f"No drug with the slug {drug!r}.")
        self.stdout.write(export_json(drug_slug=drug, disclaimers_only=disclaimers), ending="")
