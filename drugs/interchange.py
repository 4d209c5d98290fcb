"""The curated dataset as one JSON document (docs/data-format.md): export, import, seed.

Export is deterministic, so export → empty database → import → export gives the same bytes.
Import is all or nothing: every problem is reported with its record and field, and a file
with any problem changes no row.
"""

import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import reversion
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction

from drugs import services
from drugs.models import (
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)

FORMAT = "medinfo/1"

DISCLAIMER_FIELDS = ["version", "effective_from", "is_current", "text", "text_original"]
SOURCE_FIELDS = [
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
]
CONDITION_FIELDS = [
    "slug",
    "name",
    "name_zh",
    "synonyms",
    "synonyms_zh",
    "icd10_code",
    "snomed_code",
    "description",
    "description_zh",
]
DRUG_FIELDS = [
    "slug",
    "name",
    "name_zh",
    "brand_names",
    "drug_class",
    "drug_class_zh",
    "manufacturer",
    "atc_code",
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
]
APPROVAL_FIELDS = ["agency", "indication", "indication_zh", "condition", "year", "month", "note", "source"]
PROFILE_FIELDS = [
    "condition",
    "risk",
    "risk_qualifier",
    "risk_qualifier_zh",
    "factors",
    "factors_zh",
    "guidance",
    "guidance_zh",
    "not_established",
    "not_established_zh",
    "last_reviewed",
]
FINDING_FIELDS = [
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
]
EVENT_FIELDS = ["at", "action", "user", "note", "four_eyes_override"]
# The public copy is "working" when readers see exactly the working copy, else a drug record of its own.
SAME_AS_WORKING = "working"


# Export


def _plain(value):
    """One JSON spelling for each value: decimals keep their stored places, times are UTC."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _record(instance, fields: list[str]) -> dict:
    record = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.is_relation:
            related = getattr(instance, name)
            record[name] = None if related is None else getattr(related, _natural_key(field.related_model))
        else:
            record[name] = _plain(getattr(instance, name))
    return record


def _natural_key(model) -> str:
    return {Source: "key", Condition: "slug", get_user_model(): get_user_model().USERNAME_FIELD}[model]


def _sorted(records: list[dict], *keys: str) -> list[dict]:
    """Sorted in Python, so the order never depends on a database's collation or NULL ordering."""
    return sorted(records, key=lambda r: tuple((r[k] is not None, r[k] if r[k] is not None else 0) for k in keys))


def _drug_record(drug: Drug) -> dict:
    findings = RelapseFinding.objects.select_related("source").order_by("order", "id")
    profiles = drug.relapse_profiles.select_related("condition").prefetch_related(
        models.Prefetch("findings", queryset=findings)
    )
    approvals = drug.approvals.select_related("condition", "source").order_by("id")
    return {
        **_record(drug, DRUG_FIELDS),
        "approvals": _sorted([_record(a, APPROVAL_FIELDS) for a in approvals], "year", "month", "agency", "indication"),
        "profiles": _sorted(
            [
                {**_record(p, PROFILE_FIELDS), "findings": [_record(f, FINDING_FIELDS) for f in p.findings.all()]}
                for p in profiles
            ],
            "condition",
        ),
    }


def export_data() -> dict:
    drugs = []
    for drug in Drug.objects.working().select_related("last_edited_by", "reviewed_by"):
        record = _drug_record(drug)
        public = Drug.objects.filter(public_copy_of=drug).first()
        if public is None:
            record["public_copy"] = None
        else:
            public_record = _drug_record(public)
            record["public_copy"] = (
                SAME_AS_WORKING if public_record == {**record, "status": "published"} else public_record
            )
        record["editors_since_review"] = sorted(user.get_username() for user in drug.editors_since_review.all())
        events = drug.events.select_related("user").order_by("at", "id")
        record["events"] = [_record(e, EVENT_FIELDS) for e in events]
        drugs.append(record)
    return {
        "format": FORMAT,
        "disclaimers": _sorted([_record(d, DISCLAIMER_FIELDS) for d in Disclaimer.objects.all()], "version"),
        "sources": _sorted([_record(s, SOURCE_FIELDS) for s in Source.objects.all()], "key"),
        "conditions": _sorted([_record(c, CONDITION_FIELDS) for c in Condition.objects.all()], "slug"),
        "drugs": _sorted(drugs, "slug"),
    }


def export_json() -> str:
    return json.dumps(export_data(), ensure_ascii=False, indent=2) + "\n"


# Import


class ImportRefused(Exception):
    """The file has problems; nothing was changed. .problems lists each with its record and field."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


class _Importer:
    def __init__(self, *, keep_existing: bool):
        # keep_existing: the seed's rule (add what is missing, never overwrite curators' work);
        # otherwise the file is authoritative for every record it holds.
        self.keep_existing = keep_existing
        self.problems: list[str] = []
        self.sources: dict[str, Source] = {}
        self.conditions: dict[str, Condition] = {}
        self.users: dict[str, object] = {}

    # Reporting

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def save(self, instance, where: str, **clean_options) -> bool:
        try:
            # clean() mirrors the check constraints and the database enforces them on save; the
            # per-constraint validation queries would only make large imports slower.
            instance.full_clean(validate_constraints=False, **clean_options)
            with transaction.atomic():
                instance.save()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.problem(where, message if field == "__all__" else f"{field}: {message}")
            return False
        except IntegrityError as error:
            self.problem(where, _constraint_message(instance, error))
            return False
        except DatabaseError as error:  # e.g. a NUL character PostgreSQL refuses to store
            self.problem(where, f"refused by the database ({error})")
            return False
        return True

    def look_up(self, table: dict, key, where: str, what: str):
        if key is None:
            return None
        if key not in table:
            self.problem(where, f"unknown {what} '{key}'")
        return table.get(key)

    def user(self, username, where: str = "user"):
        """Curators named in the file; someone unknown here becomes an inactive account (cannot log in)."""
        if not username:
            return None
        model = get_user_model()
        max_length = model._meta.get_field(model.USERNAME_FIELD).max_length
        if not isinstance(username, str) or len(username) > max_length or "\x00" in username:
            self.problem(where, f"not a valid username: {str(username)[:40]!r}")
            return None
        if username not in self.users:
            user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": False})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            self.users[username] = user
        return self.users[username]

    # Records

    def check_unique(self, records: list, key: str, section: str) -> None:
        for value, times in Counter(r.get(key) for r in records).items():
            if times > 1:
                self.problem(section, f"{key} '{value}' appears {times} times")

    def fill(self, instance, record: dict, fields: list[str], where: str, relations: dict | None = None):
        for name in fields:
            if name not in record:
                continue
            value = record[name]
            if relations and name in relations:
                value = relations[name](value, f"{where} › {name}")
            setattr(instance, name, value)
        return instance

    def existing(self, model, **lookup):
        return model.objects.filter(**lookup).first()

    def disclaimers(self, records: list) -> list:
        self.check_unique(records, "version", "disclaimers")
        current = []
        for index, record in enumerate(records):
            where = f"disclaimers[{index}] v{record.get('version')}"
            disclaimer = self.existing(Disclaimer, version=record.get("version"))
            if disclaimer is not None:
                if disclaimer.text != record.get("text", disclaimer.text) and not self.keep_existing:
                    self.problem(where, "visitors may have accepted this version: new wording needs a new version")
                if record.get("is_current"):
                    current.append(disclaimer)
                continue
            disclaimer = self.fill(Disclaimer(), record, [f for f in DISCLAIMER_FIELDS if f != "is_current"], where)
            if self.save(disclaimer, where) and record.get("is_current"):
                current.append(disclaimer)
        return current

    def sources_and_conditions(self, data: dict) -> None:
        for section, model, key, fields, table in [
            ("sources", Source, "key", SOURCE_FIELDS, self.sources),
            ("conditions", Condition, "slug", CONDITION_FIELDS, self.conditions),
        ]:
            records = data.get(section, [])
            self.check_unique(records, key, section)
            for index, record in enumerate(records):
                where = f"{section}[{index}] {record.get(key)}"
                instance = self.existing(model, **{key: record.get(key)})
                if instance is None or not self.keep_existing:
                    instance = self.fill(instance or model(), record, fields, where)
                    if not self.save(instance, where):
                        continue
                table[getattr(instance, key)] = instance

    def drug_rows(self, drug: Drug, record: dict, where: str) -> None:
        relations = {
            "condition": lambda v, w: self.look_up(self.conditions, v, w, "condition"),
            "source": lambda v, w: self.look_up(self.sources, v, w, "source"),
        }
        for index, approval in enumerate(record.get("approvals", [])):
            at = f"{where} › approvals[{index}]"
            self.save(self.fill(RegulatoryApproval(drug=drug), approval, APPROVAL_FIELDS, at, relations), at)
        self.check_unique(record.get("profiles", []), "condition", f"{where} › profiles")
        for index, profile_record in enumerate(record.get("profiles", [])):
            at = f"{where} › profiles[{index}] {profile_record.get('condition')}"
            profile = self.fill(RelapseProfile(drug=drug), profile_record, PROFILE_FIELDS, at, relations)
            if not self.save(profile, at, exclude=["drug"]):
                continue
            for number, finding in enumerate(profile_record.get("findings", [])):
                finding_at = f"{at} › findings[{number}]"
                self.save(
                    self.fill(RelapseFinding(profile=profile), finding, FINDING_FIELDS, finding_at, relations),
                    finding_at,
                )

    def drug(self, record: dict, where: str, *, public_copy_of: Drug | None = None) -> Drug | None:
        lookup = {"slug": record.get("slug"), "public_copy_of": public_copy_of}
        drug = self.existing(Drug, **lookup)
        if drug is not None and self.keep_existing:
            return None
        if drug is not None:
            drug.approvals.all().delete()
            drug.relapse_profiles.all().delete()
            drug.events.all().delete()
        users = {"last_edited_by": self.user, "reviewed_by": self.user}
        drug = self.fill(drug or Drug(public_copy_of=public_copy_of), record, DRUG_FIELDS, where, users)
        if not self.save(drug, where):
            return None
        editors = [
            self.user(name, f"{where} › editors_since_review") for name in record.get("editors_since_review", [])
        ]
        drug.editors_since_review.set([editor for editor in editors if editor is not None])
        self.drug_rows(drug, record, where)
        return drug

    def events(self, drug: Drug, record: dict, where: str) -> None:
        for index, event in enumerate(record.get("events", [])):
            at = f"{where} › events[{index}]"
            users = {"user": self.user}
            self.save(self.fill(MonographEvent(drug=drug), event, EVENT_FIELDS, at, users), at)


def _constraint_message(instance, error: IntegrityError) -> str:
    text = str(error)
    for constraint in instance._meta.constraints:
        if constraint.name in text:
            return str(constraint.violation_error_message)
    return f"refused by the database ({text})"


@transaction.atomic
def import_data(data: dict, *, keep_existing: bool = False) -> None:
    """Load a medinfo/1 document; raise ImportRefused (changing nothing) if any record is invalid."""
    if data.get("format") != FORMAT:
        raise ImportRefused([f"format: expected '{FORMAT}', found {data.get('format')!r}"])
    importer = _Importer(keep_existing=keep_existing)
    public_copies = []
    # Curated rows join the history like any curator's save; public copies are derived and stay out.
    with reversion.create_revision():
        reversion.set_comment("Imported from a medinfo file")
        current = importer.disclaimers(data.get("disclaimers", []))
        importer.sources_and_conditions(data)
        drugs = data.get("drugs", [])
        importer.check_unique(drugs, "slug", "drugs")
        for index, record in enumerate(drugs):
            where = f"drugs[{index}] {record.get('slug')}"
            drug = importer.drug(record, where)
            if drug is not None:
                importer.events(drug, record, where)
                public_copies.append((drug, record.get("public_copy"), where))
    for drug, public, where in public_copies:
        Drug.objects.filter(public_copy_of=drug).delete()
        if public == SAME_AS_WORKING:
            services.replace_public_copy(drug)
        elif isinstance(public, dict):
            importer.drug(public, f"{where} › public_copy", public_copy_of=drug)
    if len(current) > 1:
        importer.problem("disclaimers", "more than one version is marked current")
    if importer.problems:
        raise ImportRefused(importer.problems)
    # The seed names a current disclaimer only for a database that has none yet.
    seed_over_existing = keep_existing and Disclaimer.objects.filter(is_current=True).exists()
    if current and not current[0].is_current and not seed_over_existing:
        services.disclaimer_make_current(disclaimer=current[0])
