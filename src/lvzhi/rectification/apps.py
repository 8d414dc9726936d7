from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "lvzhi.rectification"
    label = "rectification"
    verbose_name = "问题整改"

    def ready(self) -> None:
        # Carry unclosed problems into a newly opened round (see signals.py).
        from lvzhi.rectification import signals  # noqa: F401
