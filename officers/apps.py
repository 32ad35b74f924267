from django.apps import AppConfig
from django.db.models.signals import post_save


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers' reports and exports"

    def ready(self) -> None:
        from officers.signals import response_saved
        from surveys.models import Response

        post_save.connect(response_saved, sender=Response, dispatch_uid="officers.response_saved")
