from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    """The full Django admin, for platform administrators only (surveys.admin_sites)."""

    default_site = "surveys.admin_sites.PlatformAdminSite"

    def ready(self) -> None:
        super().ready()
        from collab import checks  # noqa: F401 (registers the production checks)
