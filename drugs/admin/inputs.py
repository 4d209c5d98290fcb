"""How curators type figures: every number in every curated form and inline is a plain-number text box."""

from drugs.forms import plain_number_kwargs


class PlainNumberInputs:
    """For every admin and inline that curators type into; a new numeric model field gets it by itself.

    Not the browser's number input: it silently turns "8,5" into 85 and "29/34" into 2934 (drugs/forms.py).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(db_field, request, **{**kwargs, **plain_number_kwargs(db_field)})
