from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers' reports and exports"

    def ready(self) -> None:
        # Their receivers start a session's clock and forget what it knew of two-factor at
        # every sign-in, however it is made (the form, the admin's, a test's force_login).
        from officers import sessions, two_factor  # noqa: F401
        from surveys.signals import responses_erasing

        responses_erasing.connect(_erase_exports, dispatch_uid="officers.exports_erase_for")


def _erase_exports(sender, *, response_ids: list[int], survey, **kwargs) -> None:
    from officers.services import exports_erase_for

    exports_erase_for(response_ids=response_ids, survey=survey)
