"""Import: a medinfo/1 document into the database (docs/data-format.md).

All or nothing: every problem is reported with its record and field, and a file
with any problem changes no row.
"""

from collections import Counter

import reversion
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from drugs import workflow
from drugs.interchange.fields import (
    APPROVAL_FIELDS,
    CONDITION_FIELDS,
    DISCLAIMER_FIELDS,
    DRUG_FIELDS,
    EVENT_FIELDS,
    FINDING_FIELDS,
    FORMAT,
    PROFILE_FIELDS,
    SAME_AS_WORKING,
    SOURCE_FIELDS,
)
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
from drugs.services import disclaimer_make_current


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
            workflow.replace_public_copy(drug)
        elif isinstance(public, dict):
            importer.drug(public, f"{where} › public_copy", public_copy_of=drug)
    if len(current) > 1:
        importer.problem("disclaimers", "more than one version is marked current")
    if importer.problems:
        raise ImportRefused(importer.problems)
    # The seed names a current disclaimer only for a database that has none yet.
    seed_over_existing = keep_existing and Disclaimer.objects.filter(is_current=True).exists()
    if current and not current[0].is_current and not seed_over_existing:
        disclaimer_make_current(disclaimer=current[0])
