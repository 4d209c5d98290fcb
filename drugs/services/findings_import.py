"""A paper's findings for one profile, from a pasted or uploaded table (CSV or TSV): checked row by row with
the admin form's own rules, then written all or nothing.

The header row names the model's fields; `source` is a source's key; a choice is its stored value or its
English label; a yes/no field takes yes/no, true/false, 1/0 or x; an empty cell takes the field's default.
"""

import csv
import io
from dataclasses import dataclass, field

import reversion
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from drugs.forms import plain_number_kwargs
from drugs.models import RelapseFinding, RelapseProfile, Source
from drugs.services.monographs import monograph_mark_edited

ADD_PERMISSION = "drugs.add_relapsefinding"
MAX_ROWS = 500
MAX_BYTES = 1_000_000
REVISION_COMMENT = "Findings imported from a table"

# Every field a curator types on the finding form; the profile is the page's own.
COLUMNS = [
    f.name
    for f in RelapseFinding._meta.concrete_fields
    if f.editable and not f.primary_key and f.name not in ("profile", "edit_version")
]
_YES, _NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0"}


class SourceByKey(forms.Field):
    """A source named by its key, from the keys read once for the whole table (not a query per row)."""

    def __init__(self, *, sources: dict[str, Source], **kwargs):
        super().__init__(required=False, **kwargs)
        self.sources = sources

    def to_python(self, value):
        key = (value or "").strip()
        if not key:
            return None
        if key not in self.sources:
            raise ValidationError(
                _("No source has the key “%(key)s”: add the source first, or correct the key."),
                code="invalid_choice",
                params={"key": key},
            )
        return self.sources[key]


def _plain_number_formfield(db_field: models.Field, **kwargs):
    return db_field.formfield(**{**kwargs, **plain_number_kwargs(db_field)})


class FindingRowForm(forms.ModelForm):
    """The admin's finding form, minus the profile: the same fields, plain-number inputs and model rules."""

    class Meta:
        model = RelapseFinding
        fields = COLUMNS
        formfield_callback = _plain_number_formfield

    def __init__(self, *args, sources: dict[str, Source], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"] = SourceByKey(sources=sources, label=self.fields["source"].label)


@dataclass
class RowCheck:
    """One data row: its number as a spreadsheet counts (the header is row 1), and what is wrong with it."""

    number: int
    values: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)
    finding: RelapseFinding | None = None

    @property
    def is_valid(self) -> bool:
        return not self.problems


def column_guide() -> list[dict]:
    """What each header name means, for the import page: label, whether required, the choices it takes."""
    guide = []
    for name in COLUMNS:
        model_field = RelapseFinding._meta.get_field(name)
        with translation.override("en"):
            choices = [(str(value), str(label)) for value, label in model_field.flatchoices if value != ""]
        required = not model_field.blank and not model_field.has_default()
        guide.append({"name": name, "label": model_field.verbose_name, "required": required, "choices": choices})
    return guide


def findings_table_rows(text: str) -> list[dict[str, str]]:
    """The table's rows as {column: cell}; ValidationError for a table that cannot be read at all."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(_("The table is larger than 1 MB: import it in parts."))
    text = text.removeprefix("\ufeff").strip("\r\n")
    if not text.strip():
        raise ValidationError(_("The table is empty: paste a header row and one row per finding."))
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter="\t" if "\t" in first_line else ",")
    try:
        header, *lines = list(reader)
    except csv.Error as error:
        raise ValidationError(_("The table cannot be read: %(error)s") % {"error": error}) from error
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise ValidationError(
            _("Unknown columns: %(names)s. The header row names fields as listed on this page.")
            % {"names": ", ".join(unknown)}
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValidationError(_("Columns named twice: %(names)s.") % {"names": ", ".join(repeated)})
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise ValidationError(_("The table has a header but no findings."))
    if len(lines) > MAX_ROWS:
        raise ValidationError(
            _("The table has %(count)s rows; at most %(max)s can be imported at once.")
            % {"count": len(lines), "max": MAX_ROWS}
        )
    rows = []
    for number, line in enumerate(lines, start=2):
        if len(line) > len(header):
            raise ValidationError(_("Row %(row)s has more cells than the header has columns.") % {"row": number})
        rows.append({name: cell.strip() for name, cell in zip(header, line, strict=False)})
    return rows


def _form_data(values: dict[str, str], order: int) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The cells as the admin form would receive them: labels to stored values, yes/no to a tick."""
    data, problems = {}, []
    for name in COLUMNS:
        model_field = RelapseFinding._meta.get_field(name)
        cell = values.get(name, "")
        if isinstance(model_field, models.BooleanField):
            if cell.lower() in _YES:
                data[name] = "on"
            elif cell and cell.lower() not in _NO:
                problems.append((name, _("Write yes or no.")))
        elif model_field.choices and cell:
            data[name] = _stored_choice(model_field, cell)
        elif not cell and name == "order":
            data[name] = str(order)
        elif not cell and model_field.has_default():
            data[name] = str(model_field.get_default())
        else:
            data[name] = cell
    return data, problems


def _stored_choice(model_field: models.Field, cell: str) -> str:
    with translation.override("en"):
        by_label = {str(label).casefold(): str(value) for value, label in model_field.flatchoices}
    stored = {str(value) for value, _label in model_field.flatchoices}
    return cell if cell in stored else by_label.get(cell.casefold(), cell)


def findings_check(*, profile: RelapseProfile, rows: list[dict[str, str]]) -> list[RowCheck]:
    """Each row built through the finding form and its model's full_clean, without writing anything."""
    sources = {source.key: source for source in Source.objects.all()}
    next_order = (profile.findings.aggregate(last=Max("order"))["last"] or 0) + 1
    checks = []
    for index, values in enumerate(rows):
        data, problems = _form_data(values, next_order + index)
        form = FindingRowForm(data, instance=RelapseFinding(profile=profile), sources=sources)
        if form.is_valid() and not problems:
            finding = form.save(commit=False)
        else:
            finding = None
            for name, messages in form.errors.items():
                problems.extend((name if name in COLUMNS else "", message) for message in messages)
        checks.append(RowCheck(number=index + 2, values=values, problems=problems, finding=finding))
    return checks


def findings_import(*, profile: RelapseProfile, rows: list[dict[str, str]], user) -> list[RelapseFinding]:
    """Add every row as a finding of a working-copy profile, or none: ValidationError if any row is wrong.

    Checked again here, whatever a preview said; one history entry for the monograph, with the user;
    the monograph goes back to draft once.
    """
    if not user.has_perm(ADD_PERMISSION):
        raise PermissionDenied(_("You may not add findings."))
    if profile.drug.public_copy_of_id is not None:
        raise ValidationError(_("Findings are imported into the working copy only."))
    checks = findings_check(profile=profile, rows=rows)
    problems = [
        _("Row %(row)s, %(field)s: %(message)s") % {"row": check.number, "field": name or "—", "message": message}
        for check in checks
        for name, message in check.problems
    ]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(REVISION_COMMENT)
        findings = []
        for check in checks:
            check.finding.save()
            findings.append(check.finding)
        reversion.add_to_revision(profile.drug)
        monograph_mark_edited(drug=profile.drug, user=user)
    return findings
