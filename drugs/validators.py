"""Format checks for the codes and identifiers curators type in, and the tidying of what they paste."""

import re

from django.core.validators import RegexValidator, URLValidator
from django.utils.translation import gettext_lazy as _

# WHO ATC: any level from the anatomical group (L) to the substance (L04AF02).
atc_code = RegexValidator(
    r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$",
    _("Enter an ATC code such as L04AF02 (letter, two digits, two letters, two digits)."),
)
# RxNorm concept unique identifiers are plain integers.
rxnorm_cui = RegexValidator(r"^\d{1,9}$", _("Enter an RxNorm CUI: digits only, such as 2047232."))
# ICD-10: a category (L63) with an optional subdivision (L63.9, M05.79).
icd10_code = RegexValidator(
    r"^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$",
    _("Enter an ICD-10 code such as L63.9 or M06.9 (letter, two digits, optional dot and subdivision)."),
)
# SNOMED CT identifiers are 6 to 18 digits.
snomed_code = RegexValidator(r"^\d{6,18}$", _("Enter a SNOMED CT concept id: 6 to 18 digits, such as 68225006."))
pmid = RegexValidator(r"^\d{1,9}$", _("Enter a PubMed id: digits only, such as 39141364."))
doi = RegexValidator(
    r"^10\.\d{4,9}/\S+$",
    _("Enter a DOI such as 10.1001/jamadermatol.2024.2734 (a https://doi.org/ link is fine too)."),
)
# Only web links: a javascript: or data: URL must never reach a clinician's page.
web_url = URLValidator(schemes=["http", "https"], message=_("Enter a web address starting with http:// or https://."))

_DOI_PREFIX = re.compile(r"^(?:https?://(?:www\.|dx\.)?doi\.org/|doi:)\s*", re.IGNORECASE)
_PMID_PREFIX = re.compile(r"^pmid:?\s*", re.IGNORECASE)


def bare_doi(value: str) -> str:
    """The DOI as stored, from how it is pasted: 'https://doi.org/10.1/x', 'http://dx.doi.org/…', 'doi:10.1/x'."""
    return _DOI_PREFIX.sub("", value.strip())


def bare_pmid(value: str) -> str:
    """The PubMed id as stored, from how PubMed prints it: 'PMID: 39141364'."""
    return _PMID_PREFIX.sub("", value.strip())
