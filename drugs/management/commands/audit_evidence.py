from django.core.management.base import BaseCommand, CommandError

from drugs import evidence_audit


class Command(BaseCommand):
    help = (
        "List findings without a source sentence and sentences without their figure (these fail), sources "
        "known by address only and figures graded from a secondary source (drugs/evidence_audit.py)."
    )

    def handle(self, *args, **options):
        audit = evidence_audit.run()
        self.section("Findings with a figure but no source sentence (fix)", [str(f) for f in audit.without_quote])
        self.section(
            "Source sentences that do not contain their figure (fix)",
            [f"{finding}: {'; '.join(problems)}" for finding, problems in audit.figure_not_in_quote],
        )
        self.section(
            "Sources with neither DOI nor PMID (address only)",
            [f"{s.key}: {s.link}" for s in audit.address_only_sources],
        )
        self.section(
            "Figures graded from a manufacturer's or secondary statement (read the primary source)",
            [f"{f} — {f.source.short_label if f.source else 'no source'}" for f in audit.secondary_figures],
        )
        if audit.failed:
            raise CommandError("The evidence audit failed: every figure needs its source sentence, containing it.")
        self.stdout.write(self.style.SUCCESS("Every figure has its source sentence, and every sentence its figure."))

    def section(self, title: str, lines: list[str]) -> None:
        self.stdout.write(f"{title}: {len(lines)}")
        for line in lines:
            self.stdout.write(f"  - {line}")
