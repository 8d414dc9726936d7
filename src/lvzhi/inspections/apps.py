from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "lvzhi.inspections"
    label = "inspections"
    verbose_name = "实地督导"
