from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lvzhi.accounts"
    label = "accounts"
    verbose_name = "账户与角色"

    def ready(self) -> None:
        # Connect the login/logout signal handlers (throttling, session registry).
        from lvzhi.accounts import signals  # noqa: F401
