from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lvzhi.api"
    label = "lvzhi_api"
    verbose_name = "REST API"
