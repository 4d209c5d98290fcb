from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

CONTENT_MODELS = [
    "drug",
    "condition",
    "source",
    "relapseprofile",
    "relapsefinding",
    "relapsefactor",
    "statement",
    "regulatoryapproval",
]
# The rows of a monograph a curator may delete while drafting it.
MONOGRAPH_ROWS = ["relapseprofile", "relapsefinding", "relapsefactor", "statement", "regulatoryapproval"]

# Curators write and submit; reviewers also publish, withdraw, delete and keep the disclaimer.
ROLES = {
    "Curator": [
        *(f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "view")),
        # delete_drug: only their own never-published draft (services.may_delete_draft decides).
        *(f"delete_{model}" for model in ("drug", *MONOGRAPH_ROWS)),
        "submit_monograph",
        "view_disclaimer",
        "view_monographevent",
    ],
    "Reviewer": [
        *(f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "delete", "view")),
        "submit_monograph",
        "publish_monograph",
        "add_disclaimer",
        "change_disclaimer",
        "view_disclaimer",
        "view_acknowledgmenttally",
        "view_monographevent",
    ],
}


class Command(BaseCommand):
    help = "Create or update the Curator and Reviewer groups. Safe to run again."

    def handle(self, *args, **options):
        for name, codenames in ROLES.items():
            group, _ = Group.objects.get_or_create(name=name)
            permissions = Permission.objects.filter(content_type__app_label="drugs", codename__in=codenames)
            missing = set(codenames) - set(permissions.values_list("codename", flat=True))
            if missing:
                raise RuntimeError(f"Unknown permissions for {name}: {sorted(missing)}")
            group.permissions.set(permissions)
            self.stdout.write(f"{name}: {len(codenames)} permissions")
