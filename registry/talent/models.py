"""People, their skill certificates, and experts.

A person is identified by the keyed hash of their resident identity number (registry.identity); the
number itself is never stored. A certificate's status is derived: revoked if it was revoked, expired
once its expiry date has passed, valid otherwise.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation, Region
from registry.taxonomy import Modality, Sector


class Person(models.Model):
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("identity number"), max_length=18, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    # The issuing organisation whose staff registered the person (empty: an operator, or the person
    # themself applying as an expert). Its managing staff see the record (registry.talent.selectors).
    registered_by = models.ForeignKey(
        Organisation,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Occupation(models.TextChoices):
    AI_TRAINER = "ai_trainer", _("AI trainer (4-04-05-05)")
    DATA_ANNOTATOR = "data_annotator", _("data annotator (AI trainer work type)")


class SkillLevel(models.IntegerChoices):
    """The five levels of the national vocational skill standard, 5 the entry level."""

    LEVEL_5 = 5, _("level 5: junior worker")
    LEVEL_4 = 4, _("level 4: intermediate worker")
    LEVEL_3 = 3, _("level 3: senior worker")
    LEVEL_2 = 2, _("level 2: technician")
    LEVEL_1 = 1, _("level 1: senior technician")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("valid")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class Certificate(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates")
    occupation = models.CharField(_("occupation"), max_length=32, choices=Occupation.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=SkillLevel.choices)
    number = models.CharField(_("certificate number"), max_length=64)
    issuer = models.ForeignKey(
        Organisation, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="issued_certificates"
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("skill certificate")
        verbose_name_plural = _("skill certificates")
        ordering = ["-issued_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="talent_certificate_number_per_issuer"),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=models.F("issued_on")),
                name="talent_certificate_expires_after_issue",
            ),
        ]
        indexes = [models.Index(fields=["number"], name="talent_certificate_number")]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: date) -> CertificateStatus:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.expires_on is not None and self.expires_on < day:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


class ExpertStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    SUSPENDED = "suspended", _("suspended")


class Expert(models.Model):
    """A person in the expert pool from which evaluation committees are drawn."""

    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="expert")
    status = models.CharField(_("status"), max_length=16, choices=ExpertStatus.choices, default=ExpertStatus.PENDING)
    available = models.BooleanField(_("available"), default=True)
    unavailable_until = models.DateField(_("unavailable until"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "available"], name="talent_expert_status")]

    def __str__(self) -> str:
        return str(self.person)

    def available_on(self, day: date) -> bool:
        """Free to sit on a committee on `day`: not marked unavailable, and any unavailability
        (inclusive of its last day) is over. The same rule as the conflict selector's filter."""
        return self.available and (self.unavailable_until is None or self.unavailable_until < day)


class ExpertModality(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="modalities")
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices)

    class Meta:
        verbose_name = _("expert modality")
        verbose_name_plural = _("expert modalities")
        constraints = [models.UniqueConstraint(fields=["expert", "modality"], name="talent_expert_modality_unique")]
        indexes = [models.Index(fields=["modality", "expert"], name="talent_expert_modality")]

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.modality}"


class ExpertSector(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="sectors")
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)

    class Meta:
        verbose_name = _("expert sector")
        verbose_name_plural = _("expert sectors")
        constraints = [models.UniqueConstraint(fields=["expert", "sector"], name="talent_expert_sector_unique")]
        indexes = [models.Index(fields=["sector", "expert"], name="talent_expert_sector")]

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.sector}"


class EmploymentRole(models.TextChoices):
    EMPLOYEE = "employee", _("employee")
    DIRECTOR = "director", _("director or senior manager")
    LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
    SHAREHOLDER = "shareholder", _("shareholder")
    ADVISOR = "advisor", _("advisor")


class Employment(models.Model):
    """Where an expert worked or held a position, and when (ended_on empty: still there)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="employments")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=32, choices=EmploymentRole.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employment history")
        ordering = ["-started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="talent_employment_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["organisation", "ended_on"], name="talent_employment_org")]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.organisation_id}"


class ExpertRelation(models.Model):
    """A relation the expert declares with an organisation (a relative works there, a past contract…)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="declared_relations")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    nature = models.CharField(_("nature of the relation"), max_length=200)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared relation of an expert")
        verbose_name_plural = _("declared relations of experts")
        constraints = [models.UniqueConstraint(fields=["expert", "organisation"], name="talent_expert_relation_unique")]

    def __str__(self) -> str:
        return f"{self.expert_id} ~ {self.organisation_id}"
