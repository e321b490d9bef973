"""Voucher programmes, applications, vouchers, redemptions, settlement claims and the ledger
(DESIGN §6).

Money moves only as ledger transactions (`LedgerTransaction` + `LedgerEntry`): each is balanced
(its entries sum to zero) and every balance (a programme's budget left, a voucher's balance, what
awaits settlement) is a sum of entries, never a stored number. `vouchers.ledger` is the one place
that writes them; `vouchers.verification` checks every invariant.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.models import Contract
from registry.models import Organisation, Region


class ProgrammeKind(models.TextChoices):
    DATA = "data", _("data voucher")
    ALGORITHM = "algorithm", _("algorithm voucher")
    COMPUTE = "compute", _("compute voucher")
    ANNOTATION = "annotation", _("annotation voucher")


class ProgrammeState(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", pgettext_lazy("voucher programme state", "open")
    PAUSED = "paused", _("paused")
    CLOSED = "closed", _("closed")


# The one table of allowed programme moves (vouchers.services checks it).
PROGRAMME_TRANSITIONS: dict[str, frozenset[str]] = {
    ProgrammeState.DRAFT: frozenset({ProgrammeState.OPEN, ProgrammeState.CLOSED}),
    ProgrammeState.OPEN: frozenset({ProgrammeState.PAUSED, ProgrammeState.CLOSED}),
    ProgrammeState.PAUSED: frozenset({ProgrammeState.OPEN, ProgrammeState.CLOSED}),
    ProgrammeState.CLOSED: frozenset(),
}


class ProviderRule(models.TextChoices):
    REGION = "region", _("verified vendors in a region")
    LIST = "list", _("an explicit list of providers")


class Programme(models.Model):
    """A voucher programme of a voucher authority (a region's data bureau)."""

    authority = models.ForeignKey(
        Organisation, verbose_name=_("voucher authority"), on_delete=models.PROTECT, related_name="voucher_programmes"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProgrammeKind.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    budget_fen = models.PositiveBigIntegerField(_("budget (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    coverage_bp = models.PositiveIntegerField(
        _("coverage (basis points)"),
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("The share of an eligible contract's value a voucher may pay."),
    )
    holder_cap_fen = models.PositiveBigIntegerField(_("cap per holder per year (fen)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    # Who may hold: organisations of these kinds in this region's subtree.
    holder_region = models.ForeignKey(
        Region, verbose_name=_("holders' region"), on_delete=models.PROTECT, related_name="+"
    )
    holder_kinds = models.JSONField(_("holders' organisation kinds"), default=list)
    # Who may be paid: verified vendors in a region's subtree, or the listed providers.
    provider_rule = models.CharField(_("eligible providers"), max_length=16, choices=ProviderRule.choices)
    provider_region = models.ForeignKey(
        Region,
        verbose_name=_("providers' region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    providers = models.ManyToManyField(
        Organisation, verbose_name=_("listed providers"), blank=True, related_name="voucher_programmes_listed"
    )
    rules = models.TextField(_("rules and evidence required"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=ProgrammeState.choices, default=ProgrammeState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        ordering = ["-year", "name", "pk"]
        indexes = [models.Index(fields=["state", "year"], name="vouchers_programme_state")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="vouchers_programme_window"
            ),
            models.CheckConstraint(
                condition=models.Q(coverage_bp__gte=1, coverage_bp__lte=10_000), name="vouchers_programme_coverage"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region(self) -> Region:
        """The programme's region is its authority's."""
        return self.authority.region


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationState.SUBMITTED: frozenset(
        {ApplicationState.APPROVED, ApplicationState.REJECTED, ApplicationState.WITHDRAWN}
    ),
    ApplicationState.APPROVED: frozenset(),
    ApplicationState.REJECTED: frozenset(),
    ApplicationState.WITHDRAWN: frozenset(),
}


class Application(models.Model):
    """An organisation's application (申领) for a voucher of a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        Organisation, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="voucher_applications"
    )
    requested_fen = models.PositiveBigIntegerField(_("amount requested (fen)"))
    purpose = models.TextField(_("purpose"))
    evidence = models.FileField(_("evidence"), upload_to="vouchers/applications/", max_length=255)
    evidence_sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The file's name as uploaded (it is stored under a random one): downloads give it back.
    evidence_name = models.CharField(_("evidence file name"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    approved_fen = models.PositiveBigIntegerField(_("amount approved (fen)"), null=True, blank=True)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher application")
        verbose_name_plural = _("voucher applications")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["programme", "state"], name="vouchers_application_queue"),
            models.Index(fields=["applicant", "submitted_at"], name="vouchers_application_mine"),
        ]
        constraints = [
            # One open application per organisation and programme: the queue never holds two.
            models.UniqueConstraint(
                fields=["programme", "applicant"],
                condition=models.Q(state="submitted"),
                name="vouchers_application_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.programme}"


class VoucherState(models.TextChoices):
    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    CANCELLED = "cancelled", pgettext_lazy("voucher state", "cancelled")


class Voucher(models.Model):
    """An issued voucher. Its balance is the sum of its `issued` ledger entries
    (`vouchers.selectors.voucher_balance_fen`), never a stored number."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="vouchers")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="voucher"
    )
    holder = models.ForeignKey(
        Organisation, verbose_name=pgettext_lazy("voucher", "holder"), on_delete=models.PROTECT, related_name="vouchers"
    )
    # Unguessable: 100 random bits (vouchers.codes); stored without the display dashes.
    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    face_fen = models.PositiveBigIntegerField(_("face value (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(_("state"), max_length=16, choices=VoucherState.choices, default=VoucherState.ACTIVE)
    issued_at = models.DateTimeField(_("issued at"))
    ended_at = models.DateTimeField(_("expired or cancelled at"), null=True, blank=True)
    cancellation_reason = models.TextField(pgettext_lazy("voucher", "reason for cancellation"), blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(fields=["holder", "programme"], name="vouchers_voucher_holder"),
            models.Index(fields=["state", "valid_until"], name="vouchers_voucher_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(face_fen__gt=0), name="vouchers_voucher_face_positive"),
        ]

    def __str__(self) -> str:
        from vouchers.codes import display_code

        return display_code(self.code)


class ExternalOrder(models.Model):
    """An order placed outside the exchange (for instance compute rented from a provider), recorded
    by the holder so that a voucher can be redeemed against it."""

    holder = models.ForeignKey(
        Organisation, verbose_name=pgettext_lazy("voucher", "holder"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("what was ordered"), max_length=200)
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    ordered_on = models.DateField(_("ordered on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("external order")
        verbose_name_plural = _("external orders")
        ordering = ["-ordered_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value_fen__gt=0), name="vouchers_order_value_positive"),
            models.CheckConstraint(condition=~models.Q(holder=models.F("provider")), name="vouchers_order_not_self"),
        ]

    def __str__(self) -> str:
        return self.description


class RedemptionState(models.TextChoices):
    PENDING = "pending", _("awaiting the holder's confirmation")
    CONFIRMED = "confirmed", _("redeemed")
    DECLINED = "declined", _("declined by the holder")
    SETTLED = "settled", _("settled")


REDEMPTION_TRANSITIONS: dict[str, frozenset[str]] = {
    RedemptionState.PENDING: frozenset({RedemptionState.CONFIRMED, RedemptionState.DECLINED}),
    RedemptionState.CONFIRMED: frozenset({RedemptionState.SETTLED}),
    RedemptionState.DECLINED: frozenset(),
    RedemptionState.SETTLED: frozenset(),
}


class Redemption(models.Model):
    """An amount of a voucher used against an exchange contract or an external order. A provider's
    request waits for the holder's confirmation; only a confirmed redemption moves money."""

    # No index of their own for voucher, holder, provider and contract: the composite indexes of
    # Meta begin with them, which serves their lookups and the checks of the parents' deletion,
    # and every redemption written (the hot path) saves four index insertions.
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions", db_index=False)
    # Copied from the voucher and the target so that the rules' sums need no joins.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="voucher_redemptions",
        db_index=False,
    )
    contract = models.ForeignKey(
        Contract,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voucher_redemptions",
        db_index=False,
    )
    order = models.ForeignKey(
        ExternalOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    state = models.CharField(_("state"), max_length=16, choices=RedemptionState.choices)
    # The calendar year the per-holder cap counts it in (the year it was confirmed).
    year = models.PositiveSmallIntegerField(_("year"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["voucher", "state"], name="vouchers_redemption_voucher"),
            models.Index(fields=["contract", "state"], name="vouchers_redemption_contract"),
            models.Index(fields=["holder", "programme", "year"], name="vouchers_redemption_cap"),
            models.Index(fields=["provider", "requested_at"], name="vouchers_redemption_provider"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="vouchers_redemption_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(contract__isnull=False, order__isnull=True)
                    | models.Q(contract__isnull=True, order__isnull=False)
                ),
                name="vouchers_redemption_one_target",
            ),
            # A retried request finds its first redemption instead of making a second.
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="vouchers_redemption_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher} · {self.amount_fen}"


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting review")
    APPROVED = "approved", _("approved, awaiting disbursement")
    REJECTED = "rejected", _("rejected")
    SETTLED = "settled", _("disbursed and written off")


CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimState.SUBMITTED: frozenset({ClaimState.APPROVED, ClaimState.REJECTED}),
    ClaimState.APPROVED: frozenset({ClaimState.SETTLED}),
    ClaimState.REJECTED: frozenset(),
    ClaimState.SETTLED: frozenset(),
}


class SettlementClaim(models.Model):
    """A claim (兑付申请) that the programme pay out a confirmed redemption, made by the holder or
    the provider once the contract or order is fully paid. Approved, it is disbursed (a recorded
    transfer) and written off (核销) in one step."""

    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="claims")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(Organisation, verbose_name=_("claimant"), on_delete=models.PROTECT, related_name="+")
    evidence = models.FileField(_("evidence"), upload_to="vouchers/claims/", max_length=255)
    evidence_sha256 = models.CharField(_("SHA-256"), max_length=64)
    evidence_name = models.CharField(_("evidence file name"), max_length=100, blank=True)  # as for applications
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=ClaimState.choices, default=ClaimState.SUBMITTED)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    transfer_number = models.CharField(_("transfer voucher number"), max_length=64, blank=True)
    transferred_on = models.DateField(_("transferred on"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement claim")
        verbose_name_plural = _("settlement claims")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["programme", "state"], name="vouchers_claim_queue")]
        constraints = [
            # A redemption has at most one claim that is not rejected.
            models.UniqueConstraint(
                fields=["redemption"], condition=~models.Q(state="rejected"), name="vouchers_claim_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} · {self.redemption}"


class Account(models.TextChoices):
    """The ledger's accounts, kept per programme (and per voucher where the voucher matters).

    funding: what the authority appropriated (negative: the source of the budget);
    budget: appropriated and not yet issued (expired and cancelled balances come back here);
    issued: vouchers' unused balances; redeemed: used, awaiting settlement; settled: paid out.
    """

    FUNDING = "funding", _("funding")
    BUDGET = "budget", _("budget available")
    ISSUED = "issued", _("issued, unused")
    REDEEMED = "redeemed", _("redeemed, awaiting settlement")
    SETTLED = "settled", _("settled")


class TransactionKind(models.TextChoices):
    FUND = "fund", _("budget appropriated")
    ISSUE = "issue", _("voucher issued")
    REDEEM = "redeem", _("voucher redeemed")
    SETTLE = "settle", _("redemption settled")
    EXPIRE = "expire", _("voucher expired")
    CANCEL = "cancel", _("voucher cancelled")


class LedgerTransaction(models.Model):
    """One movement of money; its entries sum to zero."""

    # Indexed by vouchers_txn_programme, which begins with it (as the entries' and redemptions' are).
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="transactions", db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=TransactionKind.choices)
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(SettlementClaim, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["programme", "created_at"], name="vouchers_txn_programme")]
        constraints = [
            # Each of these happens once: a retried service cannot book it twice.
            models.UniqueConstraint(
                fields=["redemption"], condition=models.Q(kind="redeem"), name="vouchers_txn_one_redeem"
            ),
            models.UniqueConstraint(
                fields=["claim"], condition=models.Q(kind="settle"), name="vouchers_txn_one_settle"
            ),
            models.UniqueConstraint(
                fields=["voucher"], condition=models.Q(kind="issue"), name="vouchers_txn_one_issue"
            ),
            models.UniqueConstraint(
                fields=["voucher"], condition=models.Q(kind__in=["expire", "cancel"]), name="vouchers_txn_one_return"
            ),
            models.UniqueConstraint(
                fields=["programme"], condition=models.Q(kind="fund"), name="vouchers_txn_one_fund"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    # Indexed by the composite indexes of Meta, which begin with them.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+", db_index=False)
    account = models.CharField(_("account"), max_length=16, choices=Account.choices)
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["transaction", "pk"]
        indexes = [
            models.Index(fields=["voucher", "account"], name="vouchers_entry_voucher"),
            models.Index(fields=["programme", "account"], name="vouchers_entry_programme"),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(amount_fen=0), name="vouchers_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen}"


# --- Running totals ---------------------------------------------------------------------------
#
# A redemption's rules read sums that grow with every redemption: the voucher's balance (its
# ledger entries), what a programme has paid of the target, what the holder has used this year. A
# compute voucher may be redeemed thousands of times, and summing its history under the locks made
# each redemption slower than the one before. These rows keep the sums instead. They are derived,
# never typed in: each is added to by the statement that writes what it sums (the ledger's legs,
# a redemption's confirmation), and `verify_voucher_ledger` checks each against what it sums.


class VoucherBalance(models.Model):
    """One voucher's balance in one ledger account: the sum of its entries there (`vouchers.ledger`
    adds each leg as it writes it)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="balances", db_index=False)
    account = models.CharField(_("account"), max_length=16, choices=Account.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)

    class Meta:
        verbose_name = _("voucher balance")
        verbose_name_plural = _("voucher balances")
        constraints = [models.UniqueConstraint(fields=["voucher", "account"], name="vouchers_balance_pocket")]

    def __str__(self) -> str:
        return f"{self.voucher_id} {self.account} {self.amount_fen}"


class RedeemedOnTarget(models.Model):
    """What one programme's vouchers have redeemed (confirmed) on one contract or external order:
    the coverage rule and the one-programme-per-region rule read it (`vouchers.totals`)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    # The unique constraints begin with the target: they serve the lookups by target too.
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    order = models.ForeignKey(
        ExternalOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)

    class Meta:
        verbose_name = _("amount redeemed on a contract or order")
        verbose_name_plural = _("amounts redeemed on contracts and orders")
        constraints = [
            models.UniqueConstraint(fields=["contract", "programme"], name="vouchers_redeemed_contract"),
            models.UniqueConstraint(fields=["order", "programme"], name="vouchers_redeemed_order"),
            models.CheckConstraint(
                condition=(
                    models.Q(contract__isnull=False, order__isnull=True)
                    | models.Q(contract__isnull=True, order__isnull=False)
                ),
                name="vouchers_redeemed_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.contract_id or self.order_id} {self.amount_fen}"


class RedeemedByHolder(models.Model):
    """What one holder has redeemed (confirmed) of one programme in one calendar year: the annual
    cap reads it (`vouchers.totals`)."""

    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)

    class Meta:
        verbose_name = _("amount redeemed by a holder in a year")
        verbose_name_plural = _("amounts redeemed by holders in a year")
        constraints = [
            models.UniqueConstraint(fields=["holder", "programme", "year"], name="vouchers_redeemed_holder_year")
        ]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.programme_id} {self.year} {self.amount_fen}"
