from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers' reports and exports"

    def ready(self) -> None:
        # Their receivers start a session's clock and forget what it knew of two-factor at
        # every sign-in, however it is made (the form, the admin's, a test's force_login).
        from officers import receivers, sessions, two_factor  # noqa: F401
        from results.signals import report_stale
        from surveys.signals import responses_erasing

        # The receiver list is documented in surveys/signals.py.
        report_stale.connect(
            receivers.report_stale, weak=False, dispatch_uid="officers.report_stale"
        )
        responses_erasing.connect(
            _erase_exports, weak=False, dispatch_uid="officers.exports_erase_for"
        )


def _erase_exports(sender, *, response_ids: list[int], survey, **kwargs) -> None:
    from officers.services import exports_erase_for

    exports_erase_for(response_ids=response_ids, survey=survey)
