import sys

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        # With no broker, the demo's runserver runs the scheduled jobs itself (collab.schedule).
        from collab.schedule import maybe_start

        maybe_start(sys.argv)
