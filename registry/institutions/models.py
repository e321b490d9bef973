"""Third-party institutions' services and the supply-demand matching of service needs.

An institution (an organisation of kind `third_party`) offers service categories. An enterprise or
vendor posts a need in a category and region; the portal suggests matching institutions
(`selectors.institutions_matching`), institutions respond, and the posting organisation picks one
response. The status moves as `workflow.TRANSITIONS` says.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from registry.models import Organisation, Region


class ServiceCategory(models.TextChoices):
    HUMAN_RESOURCES = "human_resources", _("human resources")
    FINANCE = "finance", _("finance")
    COMPLIANCE = "compliance", _("compliance")
    LEGAL_AUDIT = "legal_audit", _("legal audit")
    INTERNATIONAL_COOPERATION = "international_cooperation", _("international cooperation")
    SUPPLY_DEMAND_MATCHING = "supply_demand_matching", _("supply-demand matching")


class InstitutionService(models.Model):
    """A category of service an institution offers."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="institution_services"
    )
    category = models.CharField(_("category"), max_length=32, choices=ServiceCategory.choices)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("institution service")
        verbose_name_plural = _("institution services")
        ordering = ["organisation__name", "category", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "category"], name="institutions_service_unique"),
        ]
        indexes = [models.Index(fields=["category", "organisation"], name="institutions_service_category")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.category}"


class NeedStatus(models.TextChoices):
    OPEN = "open", _("open")
    MATCHED = "matched", _("matched")
    CLOSED = "closed", _("closed")


class ServiceNeed(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("posting organisation"), on_delete=models.PROTECT, related_name="service_needs"
    )
    category = models.CharField(_("category"), max_length=32, choices=ServiceCategory.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    budget_fen = models.PositiveBigIntegerField(_("budget (fen)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    chosen_response = models.OneToOneField(
        "ServiceResponse",
        verbose_name=_("chosen response"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service need")
        verbose_name_plural = _("service needs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An open need has chosen nothing yet; a matched need has chosen a response.
            models.CheckConstraint(
                condition=~models.Q(status=NeedStatus.OPEN) | models.Q(chosen_response__isnull=True),
                name="institutions_need_open_unchosen",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=NeedStatus.MATCHED) | models.Q(chosen_response__isnull=False),
                name="institutions_need_matched_chosen",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"], name="institutions_need_open_cat"),
        ]

    def __str__(self) -> str:
        return self.title


class ServiceResponse(models.Model):
    """An institution's answer to a need: a message and, optionally, a quote."""

    need = models.ForeignKey(
        ServiceNeed, verbose_name=_("service need"), on_delete=models.CASCADE, related_name="responses"
    )
    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="service_responses"
    )
    message = models.TextField(_("message"))
    quote_fen = models.PositiveBigIntegerField(_("quote (fen)"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service response")
        verbose_name_plural = _("service responses")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["need", "institution"], name="institutions_response_one_per_need"),
        ]

    def __str__(self) -> str:
        return f"{self.need_id}:{self.institution_id}"


# Direct foreign-key object-permission tables (as for organisations): guardian joins on an indexed key.
class ServiceNeedUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ServiceNeed, on_delete=models.CASCADE)


class ServiceNeedGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ServiceNeed, on_delete=models.CASCADE)


class ServiceResponseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ServiceResponse, on_delete=models.CASCADE)


class ServiceResponseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ServiceResponse, on_delete=models.CASCADE)
