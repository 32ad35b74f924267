from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers' reports and exports"

    def ready(self) -> None:
        # The receiver list is documented in surveys/signals.py.
        from officers import receivers
        from results.signals import report_stale

        report_stale.connect(
            receivers.report_stale, weak=False, dispatch_uid="officers.report_stale"
        )
