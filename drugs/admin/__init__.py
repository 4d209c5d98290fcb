"""The curator's workspace, by job.

- history.py: versions of every curated row and restore (registered with django-reversion first)
- monograph.py: drugs with their profiles, findings and approvals; the "Review and publish" page
- reference.py: sources, conditions and the disclaimer, shared by every monograph
- audit.py: the review trail and the gate's acknowledgments, read-only
- inputs.py: figures typed as plain numbers in every curated form and inline

The admin only collects input and shows results: every rule lives in drugs/services/.
"""

from drugs.admin import audit, history, monograph, reference

__all__ = ["audit", "history", "monograph", "reference"]
