"""API of 消息: the signed-in user's own messages, and marking one read."""

from __future__ import annotations

from typing import Any

from ninja import Router

from lvzhi.accounts.scoping import NotFound
from lvzhi.notifications import services
from lvzhi.notifications.models import Notification
from lvzhi.site.request_types import ApiRequest


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": n.get_kind_display(),
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


def make_router() -> Router:
    router = Router(tags=["消息"])

    @router.get("/")
    def list_messages(request: ApiRequest, unread: bool = False) -> Any:
        """您的消息（unread=true 只列未读），最新在前。"""
        qs = Notification.objects.filter(user=request.auth).order_by("-created_at", "-pk")
        if unread:
            qs = qs.filter(read_at__isnull=True)
        return {"unread": services.unread_count(request.auth), "items": [_out(n) for n in qs[:200]]}

    @router.post("/{int:notification_id}/read")
    def read(request: ApiRequest, notification_id: int) -> Any:
        """把一条消息标为已读（只能是您自己的消息）。"""
        message = Notification.objects.filter(user=request.auth, pk=notification_id).first()
        if message is None:
            raise NotFound("消息")
        services.mark_read(request.auth, message.pk)
        message.refresh_from_db()
        return _out(message)

    return router
