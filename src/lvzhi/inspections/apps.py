from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "lvzhi.inspections"
    label = "inspections"
    verbose_name = "实地督导"

    def ready(self) -> None:
        # Scoring's `verified` layer reads what inspectors verified; evaluations must not import this app,
        # so we register ourselves (as the evidence app does for its files).
        from lvzhi.evaluations.rescoring import register_verified_provider
        from lvzhi.inspections.queries import verified_on_site

        register_verified_provider(verified_on_site)
