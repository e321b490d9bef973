from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.money import hundredths_text
from registry.credit_code import validate_credit_code
from registry.resident_id import mask_name
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector


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
        return subtree_prefix_of(self.code, self.level)


def subtree_prefix_of(code: str, level: str) -> str:
    """What every division code under the region (itself included) starts with."""
    return code[: {"province": 2, "prefecture": 4}.get(level, 6)]


class VerificationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting verification")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


class SizeClass(models.TextChoices):
    """Enterprise size classes of the NBS classification (统计上大中小微型企业划分办法)."""

    MICRO = "micro", _("micro")
    SMALL = "small", _("small")
    MEDIUM = "medium", _("medium")
    LARGE = "large", _("large")


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
    # Verification: registry.verification holds the allowed transitions.
    status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.SUBMITTED,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # When the current verification began; null while not verified (cleared when the organisation
    # leaves VERIFIED: every past period stays in VerificationPeriod).
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # Profile.
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    legal_representative_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    legal_representative_id_masked = models.CharField(
        _("legal representative's identity number"), max_length=18, blank=True, editable=False
    )
    registered_capital_fen = models.PositiveBigIntegerField(_("registered capital (fen)"), null=True, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    size_class = models.CharField(_("size class"), max_length=16, choices=SizeClass.choices, blank=True)
    annotator_headcount = models.PositiveIntegerField(_("annotators"), null=True, blank=True)
    iso27001_certified = models.BooleanField(_("ISO/IEC 27001 certified"), default=False)
    mlps_level = models.PositiveSmallIntegerField(
        _("cybersecurity protection level (等保)"),
        default=0,
        validators=[MaxValueValidator(5)],
        help_text=_("0 when not graded; 1 to 5 otherwise."),
    )
    description = models.TextField(_("description"), blank=True)
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
            models.Index(fields=["kind", "status"], name="registry_org_kind_status"),
            models.Index(fields=["region"], name="registry_org_region"),
            # The search page's default: verified organisations in name order, one page at a time.
            models.Index(fields=["status", "name", "id"], name="registry_org_status_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def verified(self) -> bool:
        return self.status == VerificationStatus.VERIFIED

    @property
    def registered_capital_yuan(self) -> str | None:
        """The capital as yuan text with two decimals ("1000000.00"), None when not given."""
        return hundredths_text(self.registered_capital_fen) if self.registered_capital_fen is not None else None


class VerificationPeriod(models.Model):
    """A time during which an organisation was verified: from the operator's verification to the
    day a change of legal identity sent it back to the operators (open while it lasts).

    The rollups count organisations verified from these rows (DESIGN §8): a verification on one
    day and its end on another, even after the organisation is verified again. `region` is the
    organisation's region during the period: a change of region is a change of legal identity,
    so it ends the period, and the region cannot change while one is open."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="verification_periods",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("verified at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification period")
        verbose_name_plural = _("verification periods")
        ordering = ["organisation_id", "verified_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(ended_at__isnull=True),
                name="registry_verification_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("verified_at")),
                name="registry_verification_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.verified_at} – {self.ended_at or '…'}"


class OrganisationCapability(models.Model):
    """A modality the organisation annotates, with its daily capacity (items per day) if known."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="capabilities")
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices)
    daily_capacity = models.PositiveIntegerField(_("daily capacity (items)"), null=True, blank=True)

    class Meta:
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        constraints = [models.UniqueConstraint(fields=["organisation", "modality"], name="registry_capability_unique")]
        indexes = [models.Index(fields=["modality", "organisation"], name="registry_capability_modality")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.modality}"


class OrganisationSector(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sectors")
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)

    class Meta:
        verbose_name = _("sector served")
        verbose_name_plural = _("sectors served")
        constraints = [models.UniqueConstraint(fields=["organisation", "sector"], name="registry_sector_unique")]
        indexes = [models.Index(fields=["sector", "organisation"], name="registry_sector_sector")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.sector}"


class HolderKind(models.TextChoices):
    PERSON = "person", _("natural person")
    ORGANISATION = "organisation", _("organisation")


class Shareholder(models.Model):
    """A holder of the organisation's equity. A person is identified by the keyed hash of their
    resident identity number, an organisation by its credit code (registered here or not)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="shareholders")
    holder_kind = models.CharField(_("holder kind"), max_length=16, choices=HolderKind.choices)
    name = models.CharField(_("holder name"), max_length=200)
    holder_credit_code = models.CharField(
        _("holder's credit code"), max_length=18, blank=True, db_index=True, validators=[validate_credit_code]
    )
    holder_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    holder_id_masked = models.CharField(_("holder's identity number"), max_length=18, blank=True, editable=False)
    share_bp = models.PositiveIntegerField(
        _("share (basis points)"), validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )

    class Meta:
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        ordering = ["-share_bp", "pk"]
        constraints = [
            # One row per holder: `organisation_set_shareholders` refuses duplicates with a message,
            # these back it.
            models.UniqueConstraint(
                fields=["organisation", "holder_credit_code"],
                condition=~models.Q(holder_credit_code=""),
                name="registry_shareholder_org_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "holder_id_hash"],
                condition=~models.Q(holder_id_hash=""),
                name="registry_shareholder_person_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.share_percent}%"

    @property
    def share_percent(self) -> str:
        """The share as percent text with two decimals ("30.00"), from integer basis points."""
        return hundredths_text(self.share_bp)

    @property
    def public_name(self) -> str:
        """What the public sees of the holder: an organisation's name, a person's masked name."""
        return mask_name(self.name) if self.holder_kind == HolderKind.PERSON else self.name


class DeclaredRelation(models.Model):
    """A relation an organisation declares with another (same actual controller, group company…).
    Related-party checks read it in both directions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="declared_relations")
    related_organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    nature = models.CharField(_("nature of the relation"), max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared relation")
        verbose_name_plural = _("declared relations")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "related_organisation"], name="registry_relation_unique"),
            models.CheckConstraint(
                condition=~models.Q(organisation=models.F("related_organisation")), name="registry_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} ~ {self.related_organisation_id}: {self.nature}"


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
