from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers' reports and exports"

    def ready(self) -> None:
        # Their receivers start a session's clock and forget what it knew of two-factor at
        # every sign-in, however it is made (the form, the admin's, a test's force_login).
        from officers import sessions, two_factor  # noqa: F401
