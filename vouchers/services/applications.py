"""Applications (申领) and issuing: an organisation applies with evidence; an officer approves (the
amount may be lower) or rejects with a reason. Approval issues the voucher and books its face
value out of the budget, under the programme's row lock, so issued never exceeds the budget."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.services._common import lock, required_text
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict
from portal.money import format_fen
from registry.models import Organisation
from vouchers import ledger, selectors
from vouchers.codes import new_code
from vouchers.models import (
    APPLICATION_TRANSITIONS,
    Account,
    Application,
    ApplicationState,
    Programme,
    ProgrammeState,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.services._common import require_acts_for, require_officer, store_evidence


def _check_holder(programme: Programme, applicant: Organisation) -> None:
    if not applicant.verified:
        raise Conflict(_("Your organisation must be verified by the platform before it can apply."))
    if applicant.kind not in programme.holder_kinds:
        raise Conflict(_("This programme is not open to organisations of your kind."))
    if not applicant.region_id.startswith(programme.holder_region.subtree_prefix):
        raise Conflict(
            _("This programme is open to organisations in %(region)s only.")
            % {"region": programme.holder_region.display_name}
        )


def _check_open(programme: Programme, today: datetime.date) -> None:
    if programme.state != ProgrammeState.OPEN:
        raise Conflict(
            _("The programme is %(state)s: it takes no applications.")
            % {"state": ProgrammeState(programme.state).label}
        )
    if not programme.valid_from <= today <= programme.valid_until:
        raise Conflict(
            _("The programme runs from %(start)s to %(end)s.")
            % {"start": programme.valid_from.isoformat(), "end": programme.valid_until.isoformat()}
        )


def _issued_to(programme: Programme, holder: Organisation, year: int) -> int:
    """The face value already issued to the holder in the programme in `year` (cancelled and
    expired vouchers included: what they used counts, and what they did not came back as budget).
    The cap is per calendar year, like the redemptions' (vouchers.services.redemptions): a programme
    that runs into a second year may issue the holder up to the cap again. A voucher's first valid
    day is the day it was approved (approval needs the programme's window to have begun)."""
    return (
        Voucher.objects.filter(programme=programme, holder=holder, valid_from__year=year).aggregate(
            total=Sum("face_fen")
        )["total"]
        or 0
    )


def application_submit(
    *,
    actor: User,
    programme: Programme,
    applicant: Organisation,
    requested_fen: int,
    purpose: str,
    evidence: UploadedFile | None,
    today: datetime.date | None = None,
) -> Application:
    today = today or timezone.localdate()
    require_acts_for(actor=actor, organisation=applicant)
    _check_open(programme, today)
    _check_holder(programme, applicant)
    errors: dict[str, list[str]] = {}
    if isinstance(requested_fen, bool) or not isinstance(requested_fen, int) or requested_fen <= 0:
        errors["requested_fen"] = [_("Ask for an amount of more than zero.")]
    elif requested_fen > programme.holder_cap_fen:
        errors["requested_fen"] = [
            _("A holder may receive at most %(cap)s yuan a year from this programme.")
            % {"cap": format_fen(programme.holder_cap_fen)}
        ]
    try:
        purpose = required_text(purpose, "purpose", _("Say what the voucher will pay for."))
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    application = Application(
        programme=programme, applicant=applicant, requested_fen=requested_fen, purpose=purpose, submitted_by=actor
    )
    stored = store_evidence(file=application.evidence, upload=evidence)
    application.evidence_sha256, application.evidence_name = stored.sha256, stored.name
    try:
        with transaction.atomic():
            application.save()
            audit_record(
                actor=actor,
                action="voucher_application.submit",
                obj=application,
                before={},
                after={"programme": programme.pk, "requested_fen": requested_fen, "applicant": applicant.pk},
            )
    except IntegrityError as error:
        application.evidence.delete(save=False)
        raise Conflict(_("Your organisation already has an application awaiting review in this programme.")) from error
    return application


def _review(application: Application, state: str) -> str:
    before = application.state
    if state not in APPLICATION_TRANSITIONS[before]:
        raise Conflict(_("This application is already %(state)s.") % {"state": ApplicationState(before).label})
    return before


def application_withdraw(*, actor: User, application: Application) -> Application:
    require_acts_for(actor=actor, organisation=application.applicant)
    with transaction.atomic():
        application = lock(Application, application.pk)
        before = _review(application, ApplicationState.WITHDRAWN)
        application.state = ApplicationState.WITHDRAWN
        application.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="voucher_application.withdraw",
            obj=application,
            before={"state": before},
            after={"state": application.state},
        )
    return application


def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    require_officer(actor=actor, programme=application.programme)
    reason = required_text(reason, "reason", _("Give the applicant a reason."))
    with transaction.atomic():
        application = lock(Application, application.pk)
        before = _review(application, ApplicationState.REJECTED)
        application.state = ApplicationState.REJECTED
        application.review_note = reason
        application.reviewed_by = actor
        application.reviewed_at = timezone.now()
        application.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=actor,
            action="voucher_application.reject",
            obj=application,
            before={"state": before},
            after={"state": application.state, "reason": reason},
        )
    return application


def application_approve(
    *,
    actor: User,
    application: Application,
    amount_fen: int | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> Voucher:
    """Approve (for the amount asked, or less) and issue the voucher. Refused when the budget left
    or the holder's cap for the year cannot cover it."""
    today = today or timezone.localdate()
    programme = application.programme
    require_officer(actor=actor, programme=programme)
    with transaction.atomic():
        programme = lock(Programme, programme.pk)  # issuing takes budget: one issuer at a time
        application = lock(Application, application.pk)
        before = _review(application, ApplicationState.APPROVED)
        _check_open(programme, today)
        amount = application.requested_fen if amount_fen is None else amount_fen
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationError({"amount_fen": [_("Approve an amount of more than zero.")]})
        if amount > application.requested_fen:
            raise ValidationError({"amount_fen": [_("You cannot approve more than was asked for.")]})
        left = selectors.budget_available_fen(programme)
        if amount > left:
            raise ValidationError(
                {"amount_fen": [_("Only %(left)s yuan of the budget is left.") % {"left": format_fen(left)}]}
            )
        room = programme.holder_cap_fen - _issued_to(programme, application.applicant, today.year)
        if amount > room:
            raise ValidationError(
                {
                    "amount_fen": [
                        _("The holder's cap allows only %(room)s yuan more from this programme.")
                        % {"room": format_fen(max(room, 0))}
                    ]
                }
            )
        application.state = ApplicationState.APPROVED
        application.approved_fen = amount
        application.review_note = (note or "").strip()
        application.reviewed_by = actor
        application.reviewed_at = timezone.now()
        application.save(update_fields=["state", "approved_fen", "review_note", "reviewed_by", "reviewed_at"])
        voucher = Voucher.objects.create(
            programme=programme,
            application=application,
            holder=application.applicant,
            code=new_code(),
            face_fen=amount,
            valid_from=max(today, programme.valid_from),
            valid_until=programme.valid_until,
            state=VoucherState.ACTIVE,
            issued_at=timezone.now(),
        )
        ledger.move(
            programme_id=programme.pk,
            kind=TransactionKind.ISSUE,
            amount_fen=amount,
            source=(Account.BUDGET, None),
            target=(Account.ISSUED, voucher.pk),
            actor=actor,
            voucher_id=voucher.pk,
        )
        rollup_events.voucher_issued(voucher)
        audit_record(
            actor=actor,
            action="voucher_application.approve",
            obj=application,
            before={"state": before},
            after={"state": application.state, "approved_fen": amount, "voucher": voucher.pk},
        )
    return voucher
