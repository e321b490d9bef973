"""/api/ocds/: the open-data endpoints, public to everyone. They answer OCDS JSON text as built by
marketplace.ocds.packaging (not DRF serializers), so amounts stay exact decimals."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from marketplace.ocds import packaging, selectors

CONTENT_TYPE = "application/json; charset=utf-8"
FEED_PAGE_SIZE = 100
FEED_MAX_PAGE_SIZE = 1_000
_CURSOR = re.compile(r"after:(\d{1,18})")
NOT_FOUND = OpenApiResponse(description="no such tender, or a draft (drafts publish nothing)")


def _json(text: str) -> HttpResponse:
    return HttpResponse(text, content_type=CONTENT_TYPE)


def cursor_for(pk: int) -> str:
    """The opaque feed cursor that continues after the release `pk`."""
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise serializers.ValidationError(_("This is not a cursor the feed gave out: follow links.next."))
    return int(match.group(1))


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(
        required=False, help_text="opaque: the cursor of links.next in the previous page; none for the first page"
    )
    limit = serializers.IntegerField(
        required=False, default=FEED_PAGE_SIZE, min_value=1, max_value=FEED_MAX_PAGE_SIZE, help_text="releases a page"
    )

    def validate_cursor(self, value: str) -> int:
        return _after(value)


class TenderReleasePackageApi(APIView):
    """Every release of a tender, oldest first, as an OCDS 1.1 release package."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_tender_releases",
        tags=["ocds"],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="OCDS 1.1 release package"),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, tender_id: int) -> HttpResponse:
        releases = selectors.releases_of_tender(tender_id=tender_id)
        return _json(
            packaging.release_package(
                uri=request.build_absolute_uri(),
                published=releases[-1].date,
                releases=[release.data for release in releases],
            )
        )


class TenderRecordPackageApi(APIView):
    """A tender's OCDS 1.1 record: its releases (linked) and the compiled release of its current state."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_tender_record",
        tags=["ocds"],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="OCDS 1.1 record package"),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, tender_id: int) -> HttpResponse:
        releases = selectors.releases_of_tender(tender_id=tender_id)
        return _json(
            packaging.record_package(
                uri=request.build_absolute_uri(),
                release_package_uri=request.build_absolute_uri(reverse("ocds:tender-releases", args=[tender_id])),
                releases=releases,
            )
        )


class ReleaseFeedApi(APIView):
    """Every release of every tender, in the order they were published, as OCDS 1.1 release
    packages of `limit` releases. Follow `links.next` until a page has none."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_releases",
        tags=["ocds"],
        parameters=[FeedQuerySerializer],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="OCDS 1.1 release package with links.next"
            ),
            400: OpenApiResponse(description="a cursor the feed did not give out, or a limit out of range"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        page = selectors.releases_after(after=query.validated_data.get("cursor", 0), limit=limit + 1)
        links = None
        if len(page) > limit:
            page = page[:limit]
            params = {"cursor": cursor_for(page[-1].pk)}
            if "limit" in request.query_params:
                params["limit"] = str(limit)
            links = {"next": request.build_absolute_uri(f"{reverse('ocds:releases')}?{urlencode(params)}")}
        return _json(
            packaging.release_package(
                uri=request.build_absolute_uri(),
                published=max((release.date for release in page), default=timezone.now()),
                releases=[release.data for release in page],
                links=links,
            )
        )
