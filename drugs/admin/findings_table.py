"""The findings table import's form: pasted text or an uploaded .csv/.tsv file, read into rows."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from drugs.services import findings_import


class FindingsTableForm(forms.Form):
    table = forms.CharField(
        label=_("Paste the table (CSV or TSV, header row first)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 120, "spellcheck": "false"}),
    )
    upload = forms.FileField(label=_("or upload a .csv or .tsv file"), required=False)

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("upload"), cleaned.get("table") or ""
        if upload:
            if upload.size > findings_import.MAX_BYTES:
                raise ValidationError(_("The file is larger than 1 MB: import it in parts."))
            if not upload.name.lower().endswith((".csv", ".tsv", ".txt")):
                raise ValidationError(_("Upload a .csv or .tsv file (a spreadsheet saved as CSV or TSV)."))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise ValidationError(_("The file is not UTF-8 text: save it as CSV UTF-8 and try again.")) from error
        cleaned["text"] = text
        cleaned["rows"] = findings_import.findings_table_rows(text)
        return cleaned
