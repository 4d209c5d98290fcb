"""Which model fields a medinfo/1 file carries, derived from the models, in the order the file spells them.

A record holds every concrete field a curator can edit, plus the workflow's own fields the round trip
needs, minus those LEFT_OUT with a reason. A new editable field is therefore exported (after the known
ones) without anyone remembering to list it; tests/test_interchange.py fails for a new field that is
neither exported nor left out with a reason.
"""

from django.contrib.auth import get_user_model

from drugs.models import (
    AcknowledgmentTally,
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    RegulatoryApproval,
    RelapseFactor,
    RelapseFinding,
    RelapseProfile,
    Source,
    Statement,
)

FORMAT = "medinfo/1"
# The public copy is "working" when readers see exactly the working copy, else a drug record of its own.
SAME_AS_WORKING = "working"

# Set only by the review workflow (editable=False, so the admin never shows them), yet part of a
# lossless restore: who edited and reviewed the monograph, and where it stands.
WORKFLOW_FIELDS = {Drug: ["status", "last_edited_by", "last_edited_at", "reviewed_by", "reviewed_on"]}

EVERY_MODEL = None
LEFT_OUT: dict[tuple, str] = {
    (EVERY_MODEL, "id"): "the database's own number; records are named by slug, key, version or position",
    (EVERY_MODEL, "created"): "set by the database when the row is written; an import is a new write",
    (EVERY_MODEL, "edit_version"): "this database's count of saved edits (optimistic locking), not content",
    (Drug, "updated"): "set by the database on every save",
    (Drug, "public_copy_of"): "a public copy is written inside its working copy, as public_copy",
    (RegulatoryApproval, "drug"): "an approval is written inside its drug",
    (RelapseProfile, "drug"): "a profile is written inside its drug",
    (RelapseFinding, "profile"): "a finding is written inside its profile",
    (RelapseFactor, "profile"): "a factor is written inside its profile",
    (Statement, "profile"): "a statement is written inside its profile",
    (MonographEvent, "drug"): "an event is written inside its drug",
}
# Exported, but not as a field of the record's own list.
WRITTEN_APART: dict[tuple, str] = {
    (Drug, "editors_since_review"): "a list of usernames beside the drug's fields (many-to-many)",
}
# Keys older medinfo/1 files carry that no model stores any more: an import reads past them.
RETIRED: dict[tuple, str] = {
    (RelapseProfile, "risk"): "one level per profile; each scenario's level is now worked out by drugs/answers.py",
    (RelapseProfile, "risk_qualifier"): "what the one level referred to; each scenario is now answered apart",
    (RelapseProfile, "risk_qualifier_zh"): "the Chinese of risk_qualifier",
}
NOT_EXPORTED_MODELS: dict[type, str] = {
    AcknowledgmentTally: "an audit trail of the gate (counts per day, version and stated role), not curated content",
}

# The order of keys in each record. It is part of the format: files already written (the seed, backups)
# compare byte for byte with a new export only if it never changes. A field missing here goes last.
KEY_ORDER = {
    Disclaimer: ["version", "effective_from", "is_current", "text", "text_original"],
    Source: [
        "key",
        "title",
        "authors",
        "publisher",
        "citation",
        "kind",
        "url",
        "publication_year",
        "accessed_on",
        "pmid",
        "doi",
    ],
    Condition: [
        "slug",
        "name",
        "name_zh",
        "synonyms",
        "synonyms_zh",
        "icd10_code",
        "snomed_code",
        "description",
        "description_zh",
    ],
    Drug: [
        "slug",
        "name",
        "name_zh",
        "brand_names",
        "drug_class",
        "drug_class_zh",
        "manufacturer",
        "atc_code",
        "atc_source",
        "rxnorm_cui",
        "summary",
        "summary_zh",
        "mechanism",
        "mechanism_zh",
        "status",
        "last_edited_by",
        "last_edited_at",
        "reviewed_by",
        "reviewed_on",
        "manufacturer_zh",
        "brand_names_zh",
        "brand_names_zh_source",
        "entry_kind",
    ],
    RegulatoryApproval: [
        "agency",
        "indication",
        "indication_zh",
        "condition",
        "year",
        "month",
        "note",
        "source",
        "note_zh",
    ],
    RelapseProfile: [
        "condition",
        "guidance",
        "guidance_zh",
        "not_established",
        "not_established_zh",
        "last_reviewed",
        "stopping_override",
        "stopping_override_reason",
        "stopping_override_reason_zh",
        "tapering_override",
        "tapering_override_reason",
        "tapering_override_reason_zh",
        "interruption_override",
        "interruption_override_reason",
        "interruption_override_reason_zh",
        "evidence_searched_to",
        "review_due",
    ],
    RelapseFinding: [
        "order",
        "study_name",
        "scenario",
        "measure",
        "regimen_before",
        "regimen_after",
        "outcome_definition",
        "outcome_definition_zh",
        "timepoint",
        "timepoint_unit",
        "timepoint_note",
        "proportion",
        "proportion_upper",
        "proportion_is_approximate",
        "ci_low",
        "ci_high",
        "events",
        "total",
        "relapse_time_median",
        "relapse_time_low",
        "relapse_time_high",
        "relapse_time_unit",
        "follow_up",
        "follow_up_unit",
        "study_design",
        "evidence_grade",
        "population",
        "source",
        "note",
        "note_zh",
        "is_headline",
        "reviewed_on",
        "quote",
        "quote_location",
        "is_derived",
        "analysis_method",
        "total_source",
        "total_quote",
        "regimen_before_zh",
        "regimen_after_zh",
        "timepoint_note_zh",
        "study_design_zh",
        "population_zh",
    ],
    MonographEvent: ["at", "action", "user", "note", "four_eyes_override"],
    RelapseFactor: ["order", "text", "text_zh", "support", "source", "quote", "limitation", "limitation_zh"],
    Statement: [
        "kind",
        "issuer",
        "topic",
        "location",
        "location_zh",
        "quote",
        "quote_zh",
        "strength",
        "strength_zh",
        "source",
        "label_revised_on",
        "evidence_searched_to",
        "review_due",
    ],
}


def left_out(model, name: str) -> str | None:
    """Why a field is not in the file, or None when it is."""
    return LEFT_OUT.get((model, name)) or LEFT_OUT.get((EVERY_MODEL, name))


def exported_fields(model) -> list[str]:
    workflow = WORKFLOW_FIELDS.get(model, [])
    names = [
        field.name
        for field in model._meta.concrete_fields
        if (field.editable or field.name in workflow) and left_out(model, field.name) is None
    ]
    position = {name: index for index, name in enumerate(KEY_ORDER[model])}
    return sorted(names, key=lambda name: position.get(name, len(position)))  # stable: new fields in model order


def natural_key(model) -> str:
    """The field a record names a related row by."""
    user = get_user_model()
    return {Source: "key", Condition: "slug", user: user.USERNAME_FIELD}[model]


DISCLAIMER_FIELDS = exported_fields(Disclaimer)
SOURCE_FIELDS = exported_fields(Source)
CONDITION_FIELDS = exported_fields(Condition)
DRUG_FIELDS = exported_fields(Drug)
APPROVAL_FIELDS = exported_fields(RegulatoryApproval)
PROFILE_FIELDS = exported_fields(RelapseProfile)
FINDING_FIELDS = exported_fields(RelapseFinding)
FACTOR_FIELDS = exported_fields(RelapseFactor)
STATEMENT_FIELDS = exported_fields(Statement)
EVENT_FIELDS = exported_fields(MonographEvent)
