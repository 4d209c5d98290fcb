"""The evidence audit (python manage.py audit_evidence): what a reviewer must fix, and what to read again.

Fails (the command exits non-zero): a finding with a figure but no source sentence, and a sentence that does
not contain the figure stored with it (drugs/quotes.py). Lists for reading: sources known by their address
alone (no DOI or PMID to find the paper again when the page moves), and figures graded from a manufacturer's
or secondary statement (a news report of a trial: the paper, once read, replaces them).

It reads the curators' working copies: what the next publication would show.
"""

from dataclasses import dataclass, field

from drugs import quotes
from drugs.models import EvidenceGrade, RelapseFinding, Source


@dataclass
class Audit:
    without_quote: list[RelapseFinding] = field(default_factory=list)
    figure_not_in_quote: list[tuple[RelapseFinding, list[str]]] = field(default_factory=list)
    address_only_sources: list[Source] = field(default_factory=list)
    secondary_figures: list[RelapseFinding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.without_quote or self.figure_not_in_quote)


def run() -> Audit:
    audit = Audit()
    findings = (
        RelapseFinding.objects.filter(profile__drug__public_copy_of__isnull=True)
        .select_related("profile__drug", "profile__condition", "source")
        .order_by("profile__drug__slug", "profile__condition__slug", "order", "pk")
    )
    for finding in findings:
        if not quotes.has_figure(finding):
            continue
        if not finding.quote.strip():
            audit.without_quote.append(finding)
        elif problems := quotes.problems(finding):
            audit.figure_not_in_quote.append((finding, problems))
        if finding.evidence_grade == EvidenceGrade.STATEMENT:
            audit.secondary_figures.append(finding)
    audit.address_only_sources = list(Source.objects.filter(doi="", pmid="").order_by("key"))
    return audit
