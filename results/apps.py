from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = "Results"

    def ready(self) -> None:
        # The receiver list is documented in surveys/signals.py.
        from results import receivers
        from surveys.signals import responses_changed

        responses_changed.connect(
            receivers.responses_changed, weak=False, dispatch_uid="results.responses_changed"
        )
