from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "lvzhi.evaluations"
    label = "evaluations"
    verbose_name = "评价"
