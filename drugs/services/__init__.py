"""Every write that readers or the review trail care about, in one place.

The admin, the import, the management commands and the tests call these functions; none of them
writes curated rows by itself, so no path can skip a rule.

- monographs.py: edit, submit, recall, return, publish, withdraw, restore, delete a draft (the review rules)
- reference.py: sources and conditions, shared by all monographs: who may change one readers can see
- findings_import.py: one profile's findings from a pasted or uploaded table, checked row by row, all or nothing
- disclaimer.py: disclaimer versions (wording frozen once shown) and the gate's acknowledgment record
"""

from drugs.services.disclaimer import acknowledgment_record, disclaimer_make_current
from drugs.services.monographs import (
    DELETE_PERMISSION,
    PUBLISH_PERMISSION,
    SUBMIT_PERMISSION,
    edit_marker,
    may_delete_draft,
    monograph_delete_draft,
    monograph_mark_edited,
    monograph_publish,
    monograph_recall,
    monograph_return_to_draft,
    monograph_submit,
    monograph_withdraw,
    publication_problems,
    replace_public_copy,
    submitter_of,
)

__all__ = [
    "DELETE_PERMISSION",
    "PUBLISH_PERMISSION",
    "SUBMIT_PERMISSION",
    "edit_marker",
    "acknowledgment_record",
    "disclaimer_make_current",
    "may_delete_draft",
    "monograph_delete_draft",
    "monograph_mark_edited",
    "monograph_publish",
    "monograph_recall",
    "monograph_return_to_draft",
    "monograph_submit",
    "monograph_withdraw",
    "publication_problems",
    "replace_public_copy",
    "submitter_of",
]
