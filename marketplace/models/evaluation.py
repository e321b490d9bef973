"""After the opening: the evaluation committee (评标委员会), its draws, the experts' score sheets,
the evaluation results and the challenges (质疑) lodged during publicity."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from marketplace.models.bids import Bid
from marketplace.models.tenders import Lot, Tender
from registry.models import Organisation
from registry.talent.models import Expert

MIN_COMMITTEE_SIZE = 5
FULL_MARKS = 10_000  # a score of 100.00, in hundredths


class Committee(models.Model):
    """The evaluation committee of a tender: `size` seats, filled by random draws from the expert
    pool (marketplace.committee_draw)."""

    tender = models.OneToOneField(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="committee")
    size = models.PositiveSmallIntegerField(_("number of members"), validators=[MinValueValidator(MIN_COMMITTEE_SIZE)])
    formed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    formed_at = models.DateTimeField(_("formed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation committee")
        verbose_name_plural = _("evaluation committees")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(Exact(Mod("size", 2), 1), size__gte=MIN_COMMITTEE_SIZE),
                name="marketplace_committee_odd_at_least_five",
            )
        ]

    def __str__(self) -> str:
        return f"committee of {self.tender_id}"


class CommitteeDraw(models.Model):
    """One random draw: the first fills every seat, each later one a seat an expert declined.

    `candidates` (eligible expert ids, ascending) and `seed` determine `drawn` completely, so an
    auditor can replay the draw; `digest` (SHA-256 of the canonical record) is also written to the
    hash-chained audit log when the draw is made, so altering this row is detectable.
    """

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="draws")
    round = models.PositiveSmallIntegerField(_("round"))
    seed = models.CharField(_("seed"), max_length=64)
    candidates = models.JSONField(_("candidate experts"))
    seats = models.PositiveSmallIntegerField(_("seats drawn"))
    drawn = models.JSONField(_("experts drawn"))
    digest = models.CharField(_("digest"), max_length=64)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("committee draw")
        verbose_name_plural = _("committee draws")
        ordering = ["committee", "round"]
        constraints = [models.UniqueConstraint(fields=["committee", "round"], name="marketplace_draw_round_unique")]

    def __str__(self) -> str:
        return f"draw {self.round} of {self.committee_id}"


class MemberState(models.TextChoices):
    INVITED = "invited", _("invited")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined (conflict declared)")


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="members")
    expert = models.ForeignKey(Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="seats")
    draw = models.ForeignKey(CommitteeDraw, on_delete=models.PROTECT, related_name="members")
    state = models.CharField(_("state"), max_length=16, choices=MemberState.choices, default=MemberState.INVITED)
    # Why the expert declined: the conflict of interest they declared.
    declaration = models.TextField(_("declared conflict of interest"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "draw__round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "expert"], name="marketplace_member_once_per_committee")
        ]
        indexes = [models.Index(fields=["expert", "state"], name="marketplace_member_expert")]

    def __str__(self) -> str:
        return f"{self.expert_id} on {self.committee_id}"


class ScoreSheet(models.Model):
    """One committee member's scores for one evaluation round. Editable until submitted; hidden
    from the other members until every member has submitted."""

    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="sheets")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="score_sheets")
    round = models.PositiveSmallIntegerField(_("evaluation round"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["tender", "round", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "round"], name="marketplace_sheet_per_round")]

    def __str__(self) -> str:
        return f"sheet {self.member_id} r{self.round}"


class Score(models.Model):
    """A member's judgement of one valid bid: qualified or not (with the reason), and the technical
    and business scores out of 100.00, in hundredths."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="scores")
    qualified = models.BooleanField(_("qualified"), default=True)
    disqualification_reason = models.TextField(_("reason for disqualification"), blank=True)
    technical = models.PositiveIntegerField(_("technical score"), default=0, validators=[MaxValueValidator(FULL_MARKS)])
    business = models.PositiveIntegerField(_("business score"), default=0, validators=[MaxValueValidator(FULL_MARKS)])

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["sheet", "bid"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "bid"], name="marketplace_score_once_per_bid"),
            models.CheckConstraint(
                condition=models.Q(technical__lte=FULL_MARKS, business__lte=FULL_MARKS),
                name="marketplace_score_within_full_marks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet_id}:{self.bid_id}"


class BidResult(models.Model):
    """The committee's result for one valid bid in one evaluation round (marketplace.scoring).

    Points are out of 100.00 in hundredths: the price, technical and business parts are weighted by
    the tender's weights, and `total` is their sum. `rank` orders the qualified bids of a lot (1 is
    the first candidate); a disqualified bid has no rank.
    """

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="results")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bid_results")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="bid_results")
    round = models.PositiveSmallIntegerField(_("evaluation round"))
    qualified = models.BooleanField(_("qualified"))
    disqualification_reasons = models.TextField(_("reasons for disqualification"), blank=True)
    price_points = models.PositiveIntegerField(_("price points"), default=0)
    technical_points = models.PositiveIntegerField(_("technical points"), default=0)
    business_points = models.PositiveIntegerField(_("business points"), default=0)
    total_points = models.PositiveIntegerField(_("total points"), default=0)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ["tender", "round", "lot", "rank", "bid"]
        constraints = [models.UniqueConstraint(fields=["bid", "round"], name="marketplace_result_per_round")]

    def __str__(self) -> str:
        return f"{self.bid_id} r{self.round}: {self.rank}"


class ChallengeState(models.TextChoices):
    PENDING = "pending", _("awaiting the answer")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")


class Challenge(models.Model):
    """A bidder's challenge (质疑) to the candidates in publicity. While one is pending the tender is
    paused: it cannot be awarded. The answer is published (without the challenger's name)."""

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="challenges")
    vendor = models.ForeignKey(Organisation, verbose_name=_("challenger"), on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("evaluation round"))
    grounds = models.TextField(_("grounds"))
    submitted_at = models.DateTimeField(_("submitted at"))
    state = models.CharField(_("state"), max_length=16, choices=ChallengeState.choices, default=ChallengeState.PENDING)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["tender", "submitted_at", "pk"]
        indexes = [models.Index(fields=["tender", "state"], name="marketplace_challenge_state")]

    def __str__(self) -> str:
        return f"challenge {self.pk} on {self.tender_id}"
