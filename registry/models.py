from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from registry.credit_code import validate_credit_code
from registry.roles import OrganisationKind, Role


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("provincial level")
    PREFECTURE = "prefecture", _("prefecture level")
    COUNTY = "county", _("county level")


class Region(models.Model):
    """An administrative division of GB/T 2260, keyed by its 6-digit code.

    The code is hierarchical (2 digits province, 4 prefecture, 6 county), so "this region and all
    below it" is a prefix match on the code: see `registry.selectors.region_subtree_q`.
    """

    code = models.CharField(
        _("division code"),
        max_length=6,
        primary_key=True,
        validators=[RegexValidator(r"^[1-9]\d{5}$", _("A division code has 6 digits."))],
    )
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name

    @property
    def subtree_prefix(self) -> str:
        return self.code[: {"province": 2, "prefecture": 4}.get(self.level, 6)]


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        error_messages={"unique": _("An organisation with this unified social credit code is already registered.")},
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # Object permissions on what the organisation owns are granted to this group, so every member
    # gets them by joining and loses them by leaving.
    members_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organisation")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["kind", "verified"], name="registry_org_kind_verified"),
            models.Index(fields=["region"], name="registry_org_region"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission tables: guardian joins on an indexed key instead of a text id."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class Membership(models.Model):
    """A user's role in an organisation. Platform operators are staff users, not members."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Regulators only: the region whose subtree they oversee; empty means the whole country.
    scope_region = models.ForeignKey(
        Region,
        verbose_name=_("regulatory scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="registry_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"
