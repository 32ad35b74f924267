from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers' reports and exports"

    def ready(self) -> None:
        from surveys.signals import responses_erasing

        responses_erasing.connect(_erase_exports, dispatch_uid="officers.exports_erase_for")


def _erase_exports(sender, *, response_ids: list[int], survey, **kwargs) -> None:
    from officers.services import exports_erase_for

    exports_erase_for(response_ids=response_ids, survey=survey)
