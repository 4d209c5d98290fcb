from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
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
        self.helper.form_id = "acknowledgment-form"
        self.helper.add_input(Submit("submit", _("Accept and continue")))


class SearchForm(forms.Form):
    MAX_LENGTH = 100

    q = forms.CharField(label=_("Search drugs and conditions"), required=False)

    def clean_q(self) -> str:
        # Longer input is cut rather than refused: no drug or condition name comes near the limit.
        return " ".join(self.cleaned_data["q"].split())[: self.MAX_LENGTH]
