from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lvzhi.notifications"
    label = "notifications"
    verbose_name = "消息"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Messages follow the audit log: every action appends one record in its own transaction.
        from django.db.models.signals import post_save

        from lvzhi.audit.models import AuditRecord
        from lvzhi.notifications.services import on_audit_record

        def _on_record(
            sender: object, instance: AuditRecord, created: bool, raw: bool = False, **kw: object
        ) -> None:
            if created and not raw:
                on_audit_record(instance)

        post_save.connect(
            _on_record, sender=AuditRecord, dispatch_uid="notifications.on_audit_record", weak=False
        )
