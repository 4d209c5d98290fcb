"""Import: a medinfo/1 document into the database (docs/data-format.md).

All or nothing: every problem is reported with its record and field, and a file with any problem
changes no row. The file is read as an operator's restore: the review trail it carries is trusted,
but nothing reaches readers unless that trail says it was published and its content could be.
"""

import json
import math
import re
from collections import Counter
from contextlib import contextmanager

import reversion
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction

from drugs import cache, services
from drugs.interchange.fields import (
    APPROVAL_FIELDS,
    CONDITION_FIELDS,
    DISCLAIMER_FIELDS,
    DRUG_FIELDS,
    EVENT_FIELDS,
    FORMAT,
    PROFILE_FIELDS,
    RETIRED,
    SAME_AS_WORKING,
    SOURCE_FIELDS,
    exported_fields,
)
from drugs.models import (
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    MonographStatus,
    RegulatoryApproval,
    RelapseProfile,
    Source,
)
from drugs.services import disclaimer_make_current

# The whole curated catalogue of a few hundred monographs is a few MB; a file far larger is a mistake or
# an attack, and parsing it would hold many times its size in memory.
MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
# Text fields have no max_length in the database; the longest curated text is a few thousand characters.
MAX_TEXT_CHARS = 20_000
SECTIONS = ["format", "disclaimers", "sources", "conditions", "drugs"]
DRUG_PARTS = ["approvals", "profiles"]
WORKING_DRUG_PARTS = [*DRUG_PARTS, "public_copy", "editors_since_review", "events"]
PROFILE_PARTS = {name: (model, exported_fields(model)) for name, model in services.monographs.PROFILE_PARTS.items()}
REVISION_COMMENT = "Imported from a medinfo file"


def _is_legacy_profile(profile_record: dict) -> bool:
    """Files written before factors cited their support held them as text, one per line."""
    return isinstance(profile_record.get("factors"), str) or "factors_zh" in profile_record


def _factor_lines_as_records(profile_record: dict) -> dict:
    """Each line of the old text becomes a factor that cites nothing yet, as migration 0007 does with the
    database: non-empty lines paired in order, a Chinese line with no English twin kept as a factor of its own,
    nothing cut short. Nothing is lost; a curator cites each factor before the next publication."""
    english = [line.strip() for line in str(profile_record.get("factors") or "").splitlines() if line.strip()]
    chinese = [line.strip() for line in str(profile_record.get("factors_zh") or "").splitlines() if line.strip()]
    pairs = [(text, chinese[n] if n < len(chinese) else "") for n, text in enumerate(english)]
    pairs += [(text, text) for text in chinese[len(english) :]]
    factors = [{"order": n, "text": text, "text_zh": text_zh} for n, (text, text_zh) in enumerate(pairs)]
    record = {key: value for key, value in profile_record.items() if key != "factors_zh"}
    return {**record, "factors": factors}


class ImportRefused(Exception):
    """The file has problems; nothing was changed. .problems lists each with its record and field."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


# Reading


class _NotFinite:
    """A number JSON can spell but no field can hold (1e400, NaN, Infinity): reported where it stands."""

    def __init__(self, spelling: str):
        self.spelling = spelling

    def __repr__(self) -> str:
        return self.spelling


def _number(spelling: str):
    value = float(spelling)
    return value if math.isfinite(value) else _NotFinite(spelling)


def read_document(raw: bytes):
    """The bytes of a file as JSON values; ImportRefused, with one line saying why, if they are not."""
    if len(raw) > MAX_FILE_BYTES:
        raise ImportRefused(
            [
                f"file: larger than {MAX_FILE_MB} MB, the most an import reads; split it into several files "
                "(records a file does not hold are left alone)"
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [f"file: not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start}); save it as UTF-8"]
        ) from None
    try:
        document = json.loads(text, parse_float=_number, parse_constant=_NotFinite)
        unstorable = list(_unstorable_text(document, ""))
    except RecursionError:
        raise ImportRefused(["file: nested too deeply to be a medinfo file"]) from None
    except ValueError as error:  # not JSON, or an integer of thousands of digits
        raise ImportRefused([f"file: not valid JSON ({error})"]) from None
    if unstorable:
        raise ImportRefused(unstorable[:20])
    return document


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_text(value, where: str):
    """Text no database stores: a lone UTF-16 surrogate (a JSON escape like \\ud800) or a NUL character."""
    texts = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in texts:
        name = _UNSTORABLE.sub("?", str(key))[:40]
        place = (f"{where} › {name}" if where else name) if isinstance(value, dict) else f"{where}[{key}]"
        for text in (key, item) if isinstance(value, dict) else (item,):
            if isinstance(text, str) and _UNSTORABLE.search(text):
                yield f"{place or 'file'}: holds a character no database can store (a lone surrogate or NUL); remove it"
        if isinstance(item, dict | list):
            yield from _unstorable_text(item, place)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float | _NotFinite):
        return "a decimal number"
    return {str: "text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _label(value) -> str:
    """A record's key as it may appear in a problem line: text or a number, and short."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)[:60]
    return ""


# What JSON values each kind of field takes, and how a problem line names it.
_JSON_TYPES: list[tuple[type, tuple, str]] = [
    (models.BooleanField, (bool,), "true or false"),
    (models.IntegerField, (int,), "a whole number"),
    (models.DecimalField, (str, int, float), 'a number, e.g. "60.00"'),
    (models.DateTimeField, (str,), 'a date and time, e.g. "2026-11-25T14:03:00Z"'),
    (models.DateField, (str,), 'a date, e.g. "2026-11-25"'),
    (models.CharField, (str,), "text"),
    (models.TextField, (str,), "text"),
]


class _FieldProblem(Exception):
    pass


def _convert(field, value):
    """The field's Python value, or _FieldProblem / ValidationError: the checks clean() takes for granted."""
    if isinstance(value, _NotFinite) or (isinstance(value, float) and not math.isfinite(value)):
        raise _FieldProblem(f"{value!r} is not a finite number")
    if value is None:
        return None  # whether the field may be empty is full_clean()'s question
    for field_class, json_types, spelling in _JSON_TYPES:
        if isinstance(field, field_class):
            if not isinstance(value, json_types) or (isinstance(value, bool) and bool not in json_types):
                raise _FieldProblem(f"must be {spelling}, found {_kind(value)}")
            break
    if isinstance(value, str):
        if "\x00" in value:
            raise _FieldProblem("contains a NUL character")
        if isinstance(field, models.TextField) and len(value) > MAX_TEXT_CHARS:
            raise _FieldProblem(f"{len(value):,} characters; at most {MAX_TEXT_CHARS:,} are allowed")
    value = field.to_python(value)
    # Field.validate() skips choices on fields the admin does not edit (status): the file cannot.
    allowed = {choice for choice, _ in field.flatchoices}
    if field.choices and value not in allowed and not (value == "" and field.blank):
        raise ValidationError(field.error_messages["invalid_choice"], params={"value": value})
    return value


@contextmanager
def _own_revision():
    """One history entry: restoring it in the admin reverts this row (or this monograph) and nothing else."""
    with reversion.create_revision():
        reversion.set_comment(REVISION_COMMENT)
        yield


class _Importer:
    def __init__(self, *, keep_existing: bool):
        # keep_existing: the seed's rule (add what is missing, never overwrite curators' work);
        # otherwise the file is authoritative for every record it holds.
        self.keep_existing = keep_existing
        self.problems: list[str] = []
        self.sources: dict[str, Source] = {}
        self.conditions: dict[str, Condition] = {}
        self.users: dict[str, object] = {}
        # An older file's factors cite nothing yet: its public copies are taken as published then (as migration
        # 0007 keeps the database's), and the next publication asks for each factor's support.
        self.legacy_factors = False

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

    # Shape

    def records(self, container: dict, key: str, where: str | None = None) -> list[tuple[int, dict]]:
        """The records of a list in the file, each with its position; anything else is a problem."""
        records = container.get(key, [])
        place = key if where is None else f"{where}: {key}"
        if not isinstance(records, list):
            self.problem(place, f"must be a list of records, found {_kind(records)}")
            return []
        found = []
        for index, record in enumerate(records):
            if isinstance(record, dict):
                found.append((index, record))
            else:
                at = f"{key}[{index}]" if where is None else f"{where} › {key}[{index}]"
                self.problem(at, f"must be a record (a JSON object), found {_kind(record)}")
        return found

    def check_unique(self, records: list[tuple[int, dict]], key: str, section: str) -> None:
        values = (_label(record.get(key)) for _, record in records)
        for value, times in Counter(value for value in values if value).items():
            if times > 1:
                self.problem(section, f"{key} '{value}' appears {times} times")

    def fill(self, instance, record: dict, fields: list[str], where: str, parts: list[str] = ()) -> bool:
        """Set each field the record holds, converted and checked; False if any of them is wrong."""
        ok = True
        for key in record:
            if key not in fields and key not in parts and (type(instance), key) not in RETIRED:
                self.problem(where, f"{str(key)[:60]}: not a field of this record")
                ok = False
        for name in fields:
            if name not in record:
                continue
            field = instance._meta.get_field(name)
            try:
                value = self.related(field, record[name], where) if field.is_relation else _convert(field, record[name])
            except _FieldProblem as problem:
                self.problem(where, f"{name}: {problem}")
                ok = False
                continue
            except ValidationError as error:
                for message in error.messages:
                    self.problem(where, f"{name}: {message}")
                ok = False
                continue
            setattr(instance, name, value)
        return ok

    def related(self, field, key, where: str):
        if key is not None and not isinstance(key, str):
            raise _FieldProblem(f"must be a name as text, or null; found {_kind(key)}")
        at = f"{where} › {field.name}"
        if field.related_model is Source:
            return self.look_up(self.sources, key, at, "source")
        if field.related_model is Condition:
            return self.look_up(self.conditions, key, at, "condition")
        return self.user(key, at)

    def existing(self, model, key: str, value, **lookup):
        """The row the record replaces; a key of the wrong type matches none (fill() reports it)."""
        json_type = str if key != "version" else int
        if not isinstance(value, json_type) or isinstance(value, bool):
            return None
        return model.objects.filter(**{key: value}, **lookup).first()

    # Records

    def disclaimers(self, data: dict) -> list:
        records = self.records(data, "disclaimers")
        self.check_unique(records, "version", "disclaimers")
        current = []
        for index, record in records:
            where = f"disclaimers[{index}] v{_label(record.get('version'))}"
            disclaimer = self.existing(Disclaimer, "version", record.get("version"))
            if disclaimer is not None:
                if disclaimer.text != record.get("text", disclaimer.text) and not self.keep_existing:
                    self.problem(where, "visitors may have accepted this version: new wording needs a new version")
                if record.get("is_current") is True:
                    current.append(disclaimer)
                continue
            disclaimer = Disclaimer()
            fields = [f for f in DISCLAIMER_FIELDS if f != "is_current"]
            if not self.fill(disclaimer, record, fields, where, parts=["is_current"]):
                continue
            if not isinstance(record.get("is_current", False), bool):
                self.problem(where, f"is_current: must be true or false, found {_kind(record['is_current'])}")
                continue
            with _own_revision():
                saved = self.save(disclaimer, where)
            if saved and record.get("is_current"):
                current.append(disclaimer)
        return current

    def sources_and_conditions(self, data: dict) -> None:
        for section, model, key, fields, table in [
            ("sources", Source, "key", SOURCE_FIELDS, self.sources),
            ("conditions", Condition, "slug", CONDITION_FIELDS, self.conditions),
        ]:
            records = self.records(data, section)
            self.check_unique(records, key, section)
            for index, record in records:
                where = f"{section}[{index}] {_label(record.get(key))}".rstrip()
                instance = self.existing(model, key, record.get(key))
                if instance is None or not self.keep_existing:
                    instance = instance or model()
                    if not self.fill(instance, record, fields, where):
                        continue
                    with _own_revision():
                        if not self.save(instance, where):
                            continue
                table[getattr(instance, key)] = instance

    def drug_rows(self, drug: Drug, record: dict, where: str) -> None:
        for index, approval_record in self.records(record, "approvals", where):
            at = f"{where} › approvals[{index}]"
            approval = RegulatoryApproval(drug=drug)
            if self.fill(approval, approval_record, APPROVAL_FIELDS, at):
                self.save(approval, at)
        profiles = self.records(record, "profiles", where)
        self.check_unique(profiles, "condition", f"{where} › profiles")
        for index, profile_record in profiles:
            at = f"{where} › profiles[{index}] {_label(profile_record.get('condition'))}".rstrip()
            profile = RelapseProfile(drug=drug)
            if _is_legacy_profile(profile_record):
                profile_record = _factor_lines_as_records(profile_record)
                self.legacy_factors = True
            if not self.fill(profile, profile_record, PROFILE_FIELDS, at, parts=list(PROFILE_PARTS)):
                continue
            if not self.save(profile, at, exclude=["drug"]):
                continue
            for part, (model, fields) in PROFILE_PARTS.items():
                for number, part_record in self.records(profile_record, part, at):
                    part_at = f"{at} › {part}[{number}]"
                    row = model(profile=profile)
                    if self.fill(row, part_record, fields, part_at):
                        self.save(row, part_at)

    def drug(self, record: dict, where: str, *, public_copy_of: Drug | None = None) -> Drug | None:
        drug = self.existing(Drug, "slug", record.get("slug"), public_copy_of=public_copy_of)
        if drug is not None and self.keep_existing:
            return None
        if drug is not None:
            drug.approvals.all().delete()
            drug.relapse_profiles.all().delete()
            drug.events.all().delete()
        drug = drug or Drug(public_copy_of=public_copy_of)
        parts = DRUG_PARTS if public_copy_of else WORKING_DRUG_PARTS
        if not self.fill(drug, record, DRUG_FIELDS, where, parts) or not self.save(drug, where):
            return None
        editors = record.get("editors_since_review", [])
        if not isinstance(editors, list):
            self.problem(where, f"editors_since_review: must be a list of usernames, found {_kind(editors)}")
            editors = []
        editors = [self.user(name, f"{where} › editors_since_review") for name in editors]
        drug.editors_since_review.set([editor for editor in editors if editor is not None])
        self.drug_rows(drug, record, where)
        return drug

    def events(self, drug: Drug, record: dict, where: str) -> None:
        for index, event_record in self.records(record, "events", where):
            at = f"{where} › events[{index}]"
            event = MonographEvent(drug=drug)
            if self.fill(event, event_record, EVENT_FIELDS, at):
                self.save(event, at)

    # What readers may see

    def check_review_trail(self, drug: Drug, public, where: str) -> None:
        """The file's trail is trusted, but the status and the public copy must agree with it."""
        actions = list(drug.events.order_by("at", "id").values_list("action", flat=True))

        def last(action: str) -> int:
            return max((i for i, a in enumerate(actions) if a == action), default=-1)

        published, withdrawn = last(MonographEvent.Action.PUBLISHED), last(MonographEvent.Action.WITHDRAWN)
        if public is not None and published <= withdrawn:
            self.problem(
                where,
                "public_copy: readers can only see a version with a 'published' event in the review trail "
                "(and no 'withdrawn' after it); set public_copy to null",
            )
        status = drug.status
        if status == MonographStatus.PUBLISHED and public is None:
            self.problem(where, "status: a published monograph needs a public copy (public_copy is null)")
        if status == MonographStatus.WITHDRAWN and (public is not None or withdrawn < 0):
            self.problem(where, "status: a withdrawn monograph has a 'withdrawn' event and no public copy")
        submitted = last(MonographEvent.Action.SUBMITTED)
        if status == MonographStatus.IN_REVIEW and submitted < max(published, last(MonographEvent.Action.RETURNED)):
            self.problem(where, "status: in review, but the review trail has no 'submitted' event since it changed")

    def check_publishable(self, public: Drug, where: str) -> None:
        for message in services.publication_problems(public, uncited_factors=self.legacy_factors):
            self.problem(where, f"public_copy: {message}")

    def public_copy(self, drug: Drug, public, where: str) -> None:
        Drug.objects.filter(public_copy_of=drug).delete()
        if public is None:
            return
        if public == SAME_AS_WORKING:
            self.check_publishable(drug, where)
            services.replace_public_copy(drug)
        elif isinstance(public, dict):
            at = f"{where} › public_copy"
            if public.get("status", MonographStatus.PUBLISHED) != MonographStatus.PUBLISHED:
                self.problem(at, "status: a public copy is always 'published'")
            copy = self.drug(public, at, public_copy_of=drug)
            if copy is not None:
                self.check_publishable(copy, where)
        else:
            self.problem(
                where, f'public_copy: must be null, "{SAME_AS_WORKING}" or a drug record, found {_kind(public)}'
            )


def _constraint_message(instance, error: IntegrityError) -> str:
    text = str(error)
    for constraint in instance._meta.constraints:
        if constraint.name in text:
            return str(constraint.violation_error_message)
    return f"refused by the database ({text})"


@transaction.atomic
def import_data(data, *, keep_existing: bool = False) -> None:
    """Load a medinfo/1 document; raise ImportRefused (changing nothing) if any record is invalid."""
    if not isinstance(data, dict):
        raise ImportRefused(
            [f'file: the document must be a JSON object with "format": "{FORMAT}", found {_kind(data)}']
        )
    if data.get("format") != FORMAT:
        raise ImportRefused([f"format: expected '{FORMAT}', found {str(data.get('format'))[:60]!r}"])
    importer = _Importer(keep_existing=keep_existing)
    for key in data:
        if key not in SECTIONS:
            importer.problem("file", f"{str(key)[:60]}: not a section of a medinfo file")
    # Each shared row and each monograph is a revision of its own: restoring one in the admin must
    # never revert another (a drug's restore once un-set the current disclaimer). Public copies are
    # derived from the working copies and stay out of the history.
    current = importer.disclaimers(data)
    importer.sources_and_conditions(data)
    drugs = importer.records(data, "drugs")
    importer.check_unique(drugs, "slug", "drugs")
    for index, record in drugs:
        where = f"drugs[{index}] {_label(record.get('slug'))}".rstrip()
        with _own_revision():
            drug = importer.drug(record, where)
        if drug is not None:
            importer.events(drug, record, where)
            public = record.get("public_copy")
            importer.check_review_trail(drug, public, where)
            importer.public_copy(drug, public, where)
    if len(current) > 1:
        importer.problem("disclaimers", "more than one version is marked current")
    if importer.problems:
        raise ImportRefused(importer.problems)
    # The seed names a current disclaimer only for a database that has none yet.
    seed_over_existing = keep_existing and Disclaimer.objects.filter(is_current=True).exists()
    if current and not current[0].is_current and not seed_over_existing:
        disclaimer_make_current(disclaimer=current[0])
    # Sources and conditions readers see may have changed in place: readers get the imported data.
    cache.content_changed()
