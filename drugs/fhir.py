"""Published monographs as one FHIR R5 Bundle (README, "FHIR R5 export").

Plain dicts and no FHIR library at run time; tests/test_fhir.py validates the output with the
fhir.resources R5 models. Same data gives the same bytes: resource ids come from slugs, source keys
and finding order, references are name-based UUIDs, and nothing depends on the clock, database ids or
the reader's language.

Every code below is from the value set the R5 specification binds to that element (README lists the
systems). What no bound value set covers is written as text only, never as an invented code.
"""

import functools
import hashlib
import json
import re
import uuid
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import translation

from drugs import formatting
from drugs.models import (
    AnalysisMethod,
    Condition,
    Drug,
    EntryKind,
    EvidenceGrade,
    FactorSupport,
    Measure,
    RelapseFactor,
    RelapseFinding,
    Scenario,
    Source,
    Statement,
    StatementKind,
    StatementTopic,
    TimeUnit,
)

ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
DOI = "https://doi.org"
PUBMED = "https://pubmed.ncbi.nlm.nih.gov"

STATISTIC_TYPE = "http://terminology.hl7.org/CodeSystem/statistic-type"
ATTRIBUTE_ESTIMATE_TYPE = "http://terminology.hl7.org/CodeSystem/attribute-estimate-type"
VARIABLE_ROLE = "http://terminology.hl7.org/CodeSystem/variable-role"
USAGE_CONTEXT_TYPE = "http://terminology.hl7.org/CodeSystem/usage-context-type"
# R5 moved these two from terminology.hl7.org to the core namespace.
CERTAINTY_TYPE = "http://hl7.org/fhir/certainty-type"
CERTAINTY_RATING = "http://hl7.org/fhir/certainty-rating"
STUDY_DESIGN = "http://hl7.org/fhir/study-design"

UCUM_TIME = {TimeUnit.DAYS: "d", TimeUnit.WEEKS: "wk", TimeUnit.MONTHS: "mo", TimeUnit.YEARS: "a"}

INTERVENTIONAL = ("SEVCO:01001", "Interventional research")
OBSERVATIONAL = ("SEVCO:01002", "Observational research")
RANDOMIZED = ("SEVCO:01003", "randomized assignment")
# The R5 study-design value set has no case-series code and nothing for a secondary statement: the
# curated design text says the rest.
STUDY_DESIGN_CODES = {
    EvidenceGrade.RANDOMIZED_WITHDRAWAL: [INTERVENTIONAL, RANDOMIZED],
    EvidenceGrade.RANDOMIZED_TAPER: [INTERVENTIONAL, RANDOMIZED],
    EvidenceGrade.OBSERVATIONAL: [OBSERVATIONAL],
    EvidenceGrade.CASE_SERIES: [OBSERVATIONAL],
    EvidenceGrade.STATEMENT: [],
}

# Our grade rates the design only, so it maps to GRADE's starting level, read for the question
# "what happens after stopping": randomized withdrawal answers it directly (high); a randomized taper
# answers it for dose reduction, not stopping (one level down for indirectness: moderate); observational
# data start low; case series and manufacturers' or secondary statements are very low.
CERTAINTY = {
    EvidenceGrade.RANDOMIZED_WITHDRAWAL: ("high", "High quality"),
    EvidenceGrade.RANDOMIZED_TAPER: ("moderate", "Moderate quality"),
    EvidenceGrade.OBSERVATIONAL: ("low", "Low quality"),
    EvidenceGrade.CASE_SERIES: ("very-low", "Very low quality"),
    EvidenceGrade.STATEMENT: ("very-low", "Very low quality"),
}

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@functools.cache
def _label(choices, value) -> str:
    """A choice's English label, looked up once: Django's get_FOO_display rebuilds its choices on every call,
    which dominated the export of large datasets. Only ever called under translation.override("en")."""
    return str(choices(value).label)


def _timepoint(finding) -> str | None:
    if finding.timepoint is None or not finding.timepoint_unit:
        return None
    return formatting.duration(finding.timepoint, _label(TimeUnit, finding.timepoint_unit))


def exportable(slug: str | None = None) -> QuerySet:
    """Published drugs with everything the bundle shows: six queries, however many drugs."""
    drugs = Drug.objects.published().with_content(profiles_by="condition__slug")
    if slug is not None:
        drugs = drugs.filter(slug=slug)
    return drugs.order_by("slug")


def entries_for(drugs, *, progress=None):
    """The Bundle's entries, one at a time: each drug's MedicationKnowledge (a class or strategy entry's
    EvidenceVariable), Evidence and ArtifactAssessments (label and guideline statements, factors), then the
    conditions and sources they cite. progress, if given, is called once per drug.
    """
    conditions: dict[str, Condition] = {}
    sources: dict[str, Source] = {}
    with translation.override("en"):  # choice labels in the data, whatever the reader's language
        for drug in drugs:  # in slug order (exportable() sorts)
            yield _entry(_medication(drug) if drug.is_single_drug else _exposure(drug))
            for profile in sorted(drug.relapse_profiles.all(), key=lambda p: p.condition.slug):
                conditions[profile.condition.slug] = profile.condition
                for number, finding in enumerate(profile.findings.all(), start=1):
                    for source in (finding.source, finding.total_source):
                        if source is not None:
                            sources[source.key] = source
                    yield _entry(_evidence(drug, profile.condition, finding, number))
                for number, statement in enumerate(sorted(profile.statements.all(), key=_statement_order), start=1):
                    sources[statement.source.key] = statement.source
                    yield _entry(_statement(drug, profile.condition, statement, number))
                for number, factor in enumerate(profile.factors.all(), start=1):
                    if factor.source is not None:
                        sources[factor.source.key] = factor.source
                    yield _entry(_factor(drug, profile.condition, factor, number))
            if progress is not None:
                progress()
        for slug in sorted(conditions):
            yield _entry(_population(conditions[slug]))
        for key in sorted(sources):
            yield _entry(_citation(sources[key]))


def bundle_for(drugs, *, progress=None) -> dict:
    """A collection Bundle of the published drugs given (see entries_for)."""
    drugs = sorted(drugs, key=lambda d: d.slug)
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries_for(drugs, progress=progress))}


def write_json(drugs, stream, *, progress=None) -> None:
    """Write the bundle as to_json() spells it, an entry at a time, so memory does not grow with the data."""
    stream.write('{\n  "entry": [')
    for index, entry in enumerate(entries_for(drugs, progress=progress)):
        text = json.dumps(entry, ensure_ascii=False, indent=2, sort_keys=True).replace("\n", "\n    ")
        stream.write(("," if index else "") + "\n    " + text)
    stream.write('\n  ],\n  "resourceType": "Bundle",\n  "type": "collection"\n}\n')


# Identity


def resource_id(*parts: str) -> str:
    """A valid FHIR id from slugs and keys; one that is too long or has other characters is hashed."""
    text = "-".join(parts)
    if _ID.fullmatch(text):
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{re.sub(r'[^A-Za-z0-9.-]', '-', text)[:47]}-{digest}"


def full_url(resource_type: str, resource_id_: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:medinfo:fhir:{resource_type}/{resource_id_}')}"


def _entry(resource: dict) -> dict:
    return {"fullUrl": full_url(resource["resourceType"], resource["id"]), "resource": resource}


def _reference(resource_type: str, resource_id_: str, display: str) -> dict:
    return {"reference": full_url(resource_type, resource_id_), "type": resource_type, "display": display}


# Data types


def _number(value: Decimal | int) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _coding(system: str, code: str, display: str | None = None) -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _concept(text: str, *codings: dict) -> dict:
    return {"text": text, **({"coding": list(codings)} if codings else {})}


def _percent(value: Decimal) -> dict:
    return {"value": _number(value), "unit": "%", "system": UCUM, "code": "%"}


def _drug_concept(drug: Drug) -> dict:
    return _concept(drug.name, *([_coding(RXNORM, drug.rxnorm_cui)] if drug.rxnorm_cui else []))


def _condition_concept(condition: Condition) -> dict:
    # Displays are left out: the stored codes are checked by validators, their official names are not.
    codings = []
    if condition.icd10_code:
        codings.append(_coding(ICD10, condition.icd10_code))
    if condition.snomed_code:
        codings.append(_coding(SNOMED, condition.snomed_code))
    return _concept(condition.name, *codings)


# Resources


def _medication(drug: Drug) -> dict:
    classifications = []
    if drug.atc_code:
        classifications.append({"type": {"text": "ATC"}, "classification": [{"coding": [_coding(ATC, drug.atc_code)]}]})
    if drug.drug_class:
        classifications.append(
            {"type": {"text": "Pharmacological class"}, "classification": [{"text": drug.drug_class}]}
        )
    indications = [
        {
            "indication": [
                {
                    "concept": {
                        **(_condition_concept(approval.condition) if approval.condition else {}),
                        "text": f"{approval.indication} ({approval.agency} {approval.when})",
                    }
                }
            ]
        }
        for approval in drug.approvals.all()
    ]
    resource = {
        "resourceType": "MedicationKnowledge",
        "id": resource_id(drug.slug),
        "status": "active",
        "code": _drug_concept(drug),
        "name": [drug.name, *drug.brand_list],
    }
    if classifications:
        resource["medicineClassification"] = classifications
    if indications:
        resource["indicationGuideline"] = indications
    return resource


def _entry_reference(drug: Drug) -> dict:
    """What a finding's exposure and the editors' own opinion point at: the medication, or for a class or a
    strategy the exposure it stands for."""
    if drug.is_single_drug:
        return _reference("MedicationKnowledge", resource_id(drug.slug), drug.name)
    return _reference("EvidenceVariable", resource_id(drug.slug), drug.name)


def _exposure(drug: Drug) -> dict:
    """A class or strategy entry is not one medication: a MedicationKnowledge would claim one (with a code,
    names and indications of a product). It is what its trials let patients stop or taper, any drug of the
    class or any DMARD: an exposure, R5's EvidenceVariable, described in words. No code is invented for it
    (the ATC code field holds one substance's code; RxNorm has no class concepts)."""
    kind = _label(EntryKind, drug.entry_kind)
    description = f"{kind[:1].upper()}{kind[1:]}, not one drug" + (f": {drug.drug_class}" if drug.drug_class else "")
    return {
        "resourceType": "EvidenceVariable",
        "id": resource_id(drug.slug),
        "status": "active",
        "title": drug.name,
        "description": description,
        "characteristic": [{"description": description, "definitionCodeableConcept": _concept(drug.name)}],
    }


# A label or guideline statement, and a factor, are what a source (or the editors) say about the drug in a
# condition: R5's ArtifactAssessment, "comments, classifiers or ratings about an artifact", whose artifact is
# the Citation of the label or guideline (the MedicationKnowledge for the editors' own opinion). The verbatim
# words are the content's summary; the strength of a recommendation is a second, "rating" content.
ASSESSMENT_TYPE = "http://hl7.org/fhir/artifactassessment-information-type"


# The signs markdown reads as formatting inside a line (emphasis, code, links, HTML), and a heading's # at its start.
_MARKDOWN_SIGNS = re.compile(r"([\\`*_\[\]<>])|^(#)", re.MULTILINE)


def _verbatim(text: str) -> str:
    """Words to keep as they are in an R5 markdown element (a label's "< 8 g/dL" is not an HTML tag)."""
    return _MARKDOWN_SIGNS.sub(lambda sign: "\\" + (sign.group(1) or sign.group(2)), text)


def _statement_order(statement: Statement) -> tuple:
    return (statement.kind, statement.issuer, statement.topic, statement.location, statement.quote)


def _assessment(resource_id_: str, title: str, artifact: dict, content: list[dict]) -> dict:
    return {
        "resourceType": "ArtifactAssessment",
        "id": resource_id_,
        "title": title,
        "artifactReference": artifact,
        "content": content,
    }


def _about(drug: Drug, condition: Condition) -> list[dict]:
    return [_drug_concept(drug), _condition_concept(condition)]


def _statement(drug: Drug, condition: Condition, statement: Statement, number: int) -> dict:
    topic = _label(StatementTopic, statement.topic)
    content = [
        {
            "informationType": "comment",
            "summary": _verbatim(statement.quote),
            "type": {"text": topic},
            "classifier": [{"text": _label(StatementKind, statement.kind)}, *_about(drug, condition)],
        }
    ]
    if statement.strength:
        content.append(
            {
                "informationType": "rating",
                "summary": _verbatim(statement.strength),
                "type": {"text": "Strength of recommendation"},
            }
        )
    source = statement.source
    return _assessment(
        resource_id(drug.slug, condition.slug, "statement", str(number)),
        f"{statement.issuer} on {topic.lower()}: {drug.display_name}, {condition.name} ({statement.location})",
        _reference("Citation", resource_id(source.key), source.title),
        content,
    )


def _factor(drug: Drug, condition: Condition, factor: RelapseFactor, number: int) -> dict:
    content = {
        "informationType": "comment",
        "summary": _verbatim(factor.text),
        "type": {"text": "What relapse depends on"},
        "classifier": [{"text": _label(FactorSupport, factor.support) if factor.support else "Not cited"}],
    }
    if factor.limitation:
        content["component"] = [
            {"informationType": "comment", "summary": _verbatim(factor.limitation), "type": {"text": "Limitation"}}
        ]
    if factor.quote:
        content.setdefault("component", []).append(
            {"informationType": "comment", "summary": _verbatim(factor.quote), "type": {"text": "Source text"}}
        )
    artifact = (
        _reference("Citation", resource_id(factor.source.key), factor.source.title)
        if factor.source is not None
        else _entry_reference(drug)
    )
    return _assessment(
        resource_id(drug.slug, condition.slug, "factor", str(number)),
        f"What relapse depends on: {drug.display_name}, {condition.name}",
        artifact,
        [{**content, "classifier": [*content["classifier"], *_about(drug, condition)]}],
    )


def _population(condition: Condition) -> dict:
    return {
        "resourceType": "Group",
        "id": resource_id(condition.slug),
        "name": f"People with {condition.name}",
        "type": "person",
        "membership": "definitional",
        "characteristic": [
            {"code": {"text": "Condition"}, "valueCodeableConcept": _condition_concept(condition), "exclude": False}
        ],
    }


def _citation(source: Source) -> dict:
    identifiers = []
    if source.doi:
        identifiers.append({"system": DOI, "value": source.doi})
    if source.pmid:
        identifiers.append({"system": PUBMED, "value": source.pmid})
    published_in = {"title": source.publisher}
    form = {"publishedIn": published_in}
    if source.publication_year:
        form["articleDate"] = str(source.publication_year)
    artifact = {"title": [{"text": source.title}], "publicationForm": [form]}
    if identifiers:
        artifact["identifier"] = identifiers
    if source.url:
        artifact["webLocation"] = [{"url": source.url}]
    if source.accessed_on:
        artifact["dateAccessed"] = source.accessed_on.isoformat()
    if source.authors:
        artifact["contributorship"] = {"summary": [{"value": source.authors}]}
    return {
        "resourceType": "Citation",
        "id": resource_id(source.key),
        "status": "active",
        "title": source.title,
        "summary": [{"text": _reference_text(source)}],
        "citedArtifact": artifact,
    }


def _reference_text(source: Source) -> str:
    """The reference as a reader would cite it: authors. Title. Publisher. Year;volume:pages. doi."""
    parts = [source.authors, source.title, source.publisher]
    parts.append(source.year_and_citation)
    if source.doi:
        parts.append(f"doi:{source.doi}")
    if source.pmid:
        parts.append(f"PMID: {source.pmid}")
    return ". ".join(part.rstrip(".") for part in parts if part) + "."


def _evidence(drug: Drug, condition: Condition, finding: RelapseFinding, number: int) -> dict:
    scenario = _label(Scenario, finding.scenario)
    measure = _label(Measure, finding.measure)
    at = f" at {_timepoint(finding)}" if _timepoint(finding) else ""
    resource = {
        "resourceType": "Evidence",
        "id": resource_id(drug.slug, condition.slug, str(number)),
        "status": "active",
        "title": f"{drug.display_name}, {condition.name}: {measure.lower()} after {finding.arm}{at}",
        "description": _description(finding, condition),
        "useContext": [{"code": _coding(USAGE_CONTEXT_TYPE, "focus"), "valueCodeableConcept": _drug_concept(drug)}],
        "contained": [_outcome(finding)],
        "variableDefinition": [
            {
                "description": f"{condition.name}: {finding.population}",
                "variableRole": _concept("population", _coding(VARIABLE_ROLE, "population", "population")),
                "observed": _reference("Group", resource_id(condition.slug), f"People with {condition.name}"),
            },
            {
                "description": f"{finding.arm} ({scenario})",
                "variableRole": _concept("exposure", _coding(VARIABLE_ROLE, "exposure", "exposure")),
                **({} if drug.is_single_drug else {"observed": _entry_reference(drug)}),
            },
            {
                "description": f"{measure}: {finding.outcome_definition}{at}",
                "variableRole": _concept(
                    "measured variable", _coding(VARIABLE_ROLE, "measuredVariable", "measured variable")
                ),
                "observed": {"reference": "#outcome", "type": "EvidenceVariable"},
            },
        ],
        "studyDesign": [
            *(_concept(display, _coding(STUDY_DESIGN, code, display)) for code, display in _design(finding)),
            {"text": finding.study_design},
        ],
        "statistic": [_statistic(finding)],
        "certainty": [_certainty(finding)],
    }
    if finding.source is not None:
        # derived-from, not cite-as: the figure comes from the publication; cite-as would say how to
        # cite this Evidence resource itself.
        resource["relatedArtifact"] = [
            {
                "type": "derived-from",
                "display": finding.source.short_label,
                "resourceReference": _reference(
                    "Citation", resource_id(finding.source.key), finding.source.title[:200]
                ),
            }
        ]
    if finding.total_source is not None:
        # N read in another source (the paper behind a news report): its own derived-from, labelled.
        resource.setdefault("relatedArtifact", []).append(
            {
                "type": "derived-from",
                "label": "N",
                "display": f"Number of participants: {finding.total_source.short_label}",
                "resourceReference": _reference(
                    "Citation", resource_id(finding.total_source.key), finding.total_source.title[:200]
                ),
            }
        )
    if finding.note:
        resource["note"] = [{"text": finding.note}]
    if finding.reviewed_on:
        resource["lastReviewDate"] = finding.reviewed_on.isoformat()
    return resource


def _design(finding: RelapseFinding) -> list[tuple[str, str]]:
    return STUDY_DESIGN_CODES[EvidenceGrade(finding.evidence_grade)]


def _outcome(finding: RelapseFinding) -> dict:
    """The measured outcome with its time point, kept inside the Evidence it belongs to."""
    characteristic = {"description": finding.outcome_definition}
    if finding.timepoint is not None:
        timing = {
            "description": "Time after the regimen change",
            "quantity": {
                "value": _number(finding.timepoint),
                "unit": _label(TimeUnit, finding.timepoint_unit),
                "system": UCUM,
                "code": UCUM_TIME[finding.timepoint_unit],
            },
        }
        if finding.timepoint_note:
            timing["note"] = [{"text": finding.timepoint_note}]
        characteristic["timeFromEvent"] = [timing]
    return {
        "resourceType": "EvidenceVariable",
        "id": "outcome",
        "status": "active",
        "title": _label(Measure, finding.measure),
        "description": finding.outcome_definition,
        "characteristic": [characteristic],
    }


def _statistic(finding: RelapseFinding) -> dict:
    """Only established figures: a missing proportion, count or interval is left out, never zero."""
    statistic = {
        "statisticType": _concept("Proportion", _coding(STATISTIC_TYPE, "C44256", "Proportion")),
        "description": _figures(finding),
    }
    if finding.proportion is not None and finding.proportion_upper is None:
        statistic["quantity"] = _percent(finding.proportion)
    estimates = []
    if finding.proportion_upper is not None:
        # A reported range (e.g. 10–11%) has no single value to put in quantity.
        estimates.append(
            {
                "type": _concept("Range", _coding(ATTRIBUTE_ESTIMATE_TYPE, "C38013", "Range")),
                "description": f"Reported as {finding.proportion_display}",
                "range": {"low": _percent(finding.proportion), "high": _percent(finding.proportion_upper)},
            }
        )
    if finding.ci_low is not None:
        estimates.append(
            {
                "type": _concept(
                    "Confidence interval", _coding(ATTRIBUTE_ESTIMATE_TYPE, "C53324", "Confidence interval")
                ),
                "description": finding.ci_display,
                "level": 0.95,
                "range": {"low": _percent(finding.ci_low), "high": _percent(finding.ci_high)},
            }
        )
    if estimates:
        statistic["attributeEstimate"] = estimates
    if finding.total is not None:
        statistic["sampleSize"] = {"numberOfParticipants": finding.total}
    if finding.events is not None:
        # n with the outcome is R5's numberAffected; knownDataCount means "with known results".
        statistic["numberAffected"] = finding.events
    notes = []
    if finding.proportion_is_approximate:
        notes.append({"text": "The source gives this figure as approximate ('about')."})
    if finding.analysis_method:
        notes.append({"text": f"Analysis method: {_label(AnalysisMethod, finding.analysis_method)}."})
    if finding.is_derived:
        notes.append({"text": "Derived by the curator from the counts the source gives (n/N)."})
    if finding.quote:
        # Statistic.note (Annotation, 0..*): the source's own words behind this statistic, verbatim and in
        # the source's language; Statistic.description stays the figure in words.
        where = f" ({finding.quote_location})" if finding.quote_location else ""
        notes.append({"text": f"Source text{where}: {finding.quote}"})
    if notes:
        statistic["note"] = notes
    return statistic


def _figures(finding: RelapseFinding) -> str:
    proportion = finding.proportion_display or "Proportion not established"
    details = [text for text in (finding.ci_display, finding.count_display) if text]
    at = f" at {_timepoint(finding)}" if _timepoint(finding) else ""
    bracket = f" ({'; '.join(details)})" if details else ""
    return f"{proportion}{bracket}{at}"


def _certainty(finding: RelapseFinding) -> dict:
    grade = EvidenceGrade(finding.evidence_grade)
    code, display = CERTAINTY[grade]
    return {
        "type": _concept("Overall certainty", _coding(CERTAINTY_TYPE, "Overall", "Overall certainty")),
        "rating": _concept(display, _coding(CERTAINTY_RATING, code, display)),
        "description": (
            f"Starting level for the study design ({grade.label}, medinfo evidence grade {grade.value} of 5), "
            "not a full GRADE assessment: risk of bias, inconsistency, imprecision and publication bias "
            "were not rated."
        ),
        "rater": "medinfo curators",
    }


def _description(finding: RelapseFinding, condition: Condition) -> str:
    """One sentence a clinician can read without the structure."""
    measure = _label(Measure, finding.measure).lower()
    result = (
        f"{measure} in {finding.proportion_display}"
        if finding.proportion_display
        else f"the proportion with {measure} is not established"
    )
    count = f" ({finding.count_display})" if finding.count_display else ""
    at = f" at {_timepoint(finding)}" if _timepoint(finding) else ""
    study = f" in {finding.study_name}" if finding.study_name else ""
    return (
        f"{condition.name}, {_label(Scenario, finding.scenario).lower()} ({finding.arm}){study}: "
        f"{result}{count}{at}. Outcome: {finding.outcome_definition}. Population: {finding.population}."
    )


def to_json(bundle: dict) -> str:
    """The one spelling of a bundle, so the same data always gives the same bytes."""
    return json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
