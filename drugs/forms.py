import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from drugs.models import ProfessionalRole


class AcknowledgmentForm(forms.Form):
    role = forms.ChoiceField(
        label=_("I am a"),
        choices=ProfessionalRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the role that describes you.")},
    )
    accept = forms.BooleanField(
        label=_("I hold a medical professional qualification, and I have read and accept the disclaimer above."),
        error_messages={"required": _("Tick the box to confirm your qualification and accept the terms.")},
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # No form_id: crispy-bootstrap5 repeats the form's attributes on the radio group's <div>, so an id
        # given here would be on the page twice (invalid HTML). Nothing needs the form by id.
        self.helper.add_input(Submit("submit", _("Accept and continue")))


class SearchForm(forms.Form):
    MAX_LENGTH = 100

    q = forms.CharField(label=_("Search drugs and conditions"), required=False)

    def clean_q(self) -> str:
        # Longer input is cut rather than refused: no drug or condition name comes near the limit.
        return " ".join(self.cleaned_data["q"].split())[: self.MAX_LENGTH]


class PlainNumberMixin:
    """A figure exactly as typed, in a text box: anything but plain digits is refused, never guessed at.

    Browsers' number inputs drop what they cannot parse (Chromium sends 85 for "8,5" and 2934 for "29/34"),
    and Python accepts "1e1", "1_000" or full-width digits: a curator copying a figure from a paper must see
    an error, not a different number on the public page.
    """

    pattern: re.Pattern
    inputmode: str

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if text and not self.pattern.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": self.inputmode}


class PlainDecimalField(PlainNumberMixin, forms.DecimalField):
    widget = forms.TextInput
    pattern = re.compile(r"-?[0-9]+(\.[0-9]+)?")
    inputmode = "decimal"
    default_error_messages = {"invalid": _("Enter a plain number; use a point for decimals (8.5, not 8,5).")}


class WholeNumberField(PlainNumberMixin, forms.IntegerField):
    widget = forms.TextInput
    pattern = re.compile(r"[0-9]+")
    inputmode = "numeric"
    default_error_messages = {"invalid": _("Enter a whole number, digits only (34, not 29/34).")}


def plain_number_kwargs(db_field: models.Field) -> dict:
    """How a figure is typed, for every form that builds curated rows (the admin, the findings table import)."""
    # Fields with choices stay drop-downs; the primary key is never typed.
    if not db_field.choices and not db_field.primary_key:
        if isinstance(db_field, models.DecimalField):
            return {"form_class": PlainDecimalField, "widget": PlainDecimalField.widget}
        if isinstance(db_field, models.IntegerField):
            return {"form_class": WholeNumberField, "widget": WholeNumberField.widget}
    return {}
