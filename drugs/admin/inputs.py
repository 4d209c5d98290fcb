"""How curators type figures: every number in every curated form and inline is a plain-number text box."""

from django.db import models

from drugs.forms import PlainDecimalField, WholeNumberField


class PlainNumberInputs:
    """For every admin and inline that curators type into; a new numeric model field gets it by itself.

    Not the browser's number input: it silently turns "8,5" into 85 and "29/34" into 2934 (drugs/forms.py).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Fields with choices stay drop-downs; the primary key is never typed.
        if not db_field.choices and not db_field.primary_key:
            if isinstance(db_field, models.DecimalField):
                kwargs.update(form_class=PlainDecimalField, widget=PlainDecimalField.widget)
            elif isinstance(db_field, models.IntegerField):
                kwargs.update(form_class=WholeNumberField, widget=WholeNumberField.widget)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
