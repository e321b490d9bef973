"""/api/v1/notifications/: the signed-in user's own notifications, and marking them read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from portal.notifications import kinds, selectors, services
from portal.notifications.models import Notification
from portal.permissions import signed_in
from registry.api.serializers import parse


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField(help_text="the text in the request's language")

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "created_at", "read_at"]
        read_only_fields = fields

    def get_message(self, notification: Notification) -> str:
        return kinds.message(notification.kind, notification.params)


class NotificationsReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1_000,
        help_text="ids of your notifications to mark read; leave it out to mark them all",
    )


class NotificationsReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("unread", bool, description="1: only the unread notifications")])
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first (`?unread=1`: only unread ones). Nobody sees anyone else's."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[Notification]:
        unread_only = self.request.query_params.get("unread", "") in {"1", "true", "yes"}
        return selectors.notifications_of(user=signed_in(self.request.user), unread_only=unread_only)

    @extend_schema(request=NotificationsReadSerializer, responses=NotificationsReadResultSerializer)
    @action(detail=False, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark your notifications read: `{"ids": [...]}` those, `{}` all of them. Ids that are not
        yours are ignored; the answer counts the notifications that changed."""
        data = parse(NotificationsReadSerializer, request.data)
        marked = services.notifications_mark_read(user=signed_in(request.user), notification_ids=data.get("ids"))
        return Response({"marked": marked})


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
