from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DrugsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drugs"

    def ready(self):
        from drugs import freshness
        from drugs.models import (
            Condition,
            Disclaimer,
            Drug,
            MonographEvent,
            RegulatoryApproval,
            RelapseFinding,
            RelapseProfile,
            Source,
        )

        # Anything readers may see: its change empties the in-memory pages and disclaimer.
        for model in (
            Drug,
            RelapseProfile,
            RelapseFinding,
            RegulatoryApproval,
            Source,
            Condition,
            Disclaimer,
            MonographEvent,
        ):
            post_save.connect(freshness.bump_on_commit, sender=model, dispatch_uid=f"freshness-save-{model.__name__}")
            post_delete.connect(
                freshness.bump_on_commit, sender=model, dispatch_uid=f"freshness-delete-{model.__name__}"
            )
