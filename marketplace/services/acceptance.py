"""Delivery acceptance (验收, DESIGN §5): the buyer's plan and gold set, the vendor's deliveries,
their scoring, and the buyer's decision.

Order of things for one milestone of an active contract:
1. The buyer's staff set the acceptance plan (annotation type, file format, label set, lot size;
   the AQL is the tender's) and upload a gold set. The first sampling seed is committed then.
2. The vendor's staff upload a delivery. It is bound to the seed committed before it arrived and
   scored in Celery (`delivery_score`), which stores the report and reveals that seed.
3. The buyer's staff confirm the sampling's result or override it with a reason. Accepted: the
   milestone is met and a PaymentDue row is raised. Rejected: the vendor may deliver again until
   the contract's `max_deliveries` is used up, after which the milestone has failed.
The plan and the gold set are fixed once a delivery has arrived: nobody can change the rule after
seeing the labels. An unreadable delivery is recorded as such and does not count.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path, PurePath
from typing import Any, BinaryIO
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.models import (
    DELIVERY_TRANSITIONS,
    AcceptanceKind,
    AcceptancePlan,
    AcceptanceReport,
    Contract,
    ContractMilestone,
    ContractState,
    Decision,
    Delivery,
    DeliveryFormat,
    DeliveryState,
    GoldSet,
    MilestoneState,
    PaymentDue,
    SamplingSeed,
    Tender,
)
from marketplace.models.acceptance import COUNTED_DELIVERY_STATES, OPEN_DELIVERY_STATES
from marketplace.quality import QualityInputError
from marketplace.quality.assess import assess, items_of
from marketplace.quality.data import BoxSet, ClassificationSet, LabelledSet
from marketplace.quality.formats import FORMATS, parse
from marketplace.quality.formats.archives import open_upload
from marketplace.quality.sampling import sampling_plan
from marketplace.quality_messages import quality_error_message
from marketplace.services._common import lock, require_buyer_staff, require_vendor_staff, required_text, staff_of
from marketplace.services.contracts import milestone_met
from marketplace.services.payments import payment_release_queue
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict, NotFound
from portal.money import format_fen
from portal.notifications.services import notify

logger = logging.getLogger(__name__)

MAX_LABELS = 500
MAX_LABEL_LENGTH = 100
MAX_LOT_SIZE = 100_000_000
PROGRESS_EVERY = 10_000


class _Superseded(Exception):
    """Another run took the scoring over; this one stops without writing."""


# --- The plan and the gold set ----------------------------------------------------------------


def acceptance_plan_set(
    *,
    actor: User,
    contract: Contract,
    milestone_id: int,
    kind: str,
    fmt: str,
    label_set: Sequence[str],
    lot_size: int,
) -> AcceptancePlan:
    """Create or change a milestone's acceptance plan, until its first delivery arrives."""
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    labels = _clean_labels(label_set)
    if kind not in AcceptanceKind.values:
        raise ValidationError({"kind": [_("Choose the type of annotation.")]})
    if fmt not in FORMATS[kind]:
        raise ValidationError(
            {
                "format": [
                    _("A %(kind)s delivery comes as %(formats)s.")
                    % {
                        "kind": AcceptanceKind(kind).label,
                        "formats": ", ".join(str(DeliveryFormat(f).label) for f in FORMATS[kind]),
                    }
                ]
            }
        )
    if not 1 <= lot_size <= MAX_LOT_SIZE:
        raise ValidationError({"lot_size": [_("The lot size is between 1 and %(max)s items.") % {"max": MAX_LOT_SIZE}]})
    with transaction.atomic():
        contract = lock(Contract, contract.pk)
        if contract.state != ContractState.ACTIVE:
            raise Conflict(_("Acceptance is planned once both parties have signed the contract."))
        milestone = _locked_milestone(contract, milestone_id)
        plan = AcceptancePlan.objects.select_for_update().filter(milestone=milestone).first()
        if plan is not None and plan.deliveries.exists():
            raise Conflict(_("A delivery has arrived: the acceptance plan can no longer change."))
        tender = Tender.objects.only("acceptance_aql").get(pk=contract.tender_id)
        sampling = sampling_plan(lot_size, tender.acceptance_aql)
        values = {
            "kind": kind,
            "format": fmt,
            "label_set": labels,
            "lot_size": lot_size,
            "aql": tender.acceptance_aql,
            "code_letter": sampling.letter,
            "sample_size": sampling.sample_size,
            "accept_number": sampling.accept,
            "reject_number": sampling.reject,
            "full_inspection": sampling.full_inspection,
        }
        before: dict[str, Any] = {}
        if plan is None:
            plan = AcceptancePlan(milestone=milestone, contract=contract, created_by=actor, **values)
        else:
            before = {name: getattr(plan, name) for name in values}
            for name, value in values.items():
                setattr(plan, name, value)
        plan.full_clean()
        plan.save()
        gold = GoldSet.objects.filter(plan=plan).first()
        if gold is not None and (kind != before.get("kind") or fmt != before.get("format") or not _fits(gold, plan)):
            gold.delete()  # a gold set of another type, format or label set no longer applies
            audit_record(actor=actor, action="acceptance.gold_dropped", obj=contract, before={}, after={})
        if not plan.seeds.filter(revealed_at__isnull=True).exists():
            _commit_seed(plan)
        audit_record(
            actor=actor,
            action="acceptance.plan_set",
            obj=contract,
            before=before,
            after={"milestone": milestone.position, **values},
        )
    return plan


def _clean_labels(label_set: Sequence[str]) -> list[str]:
    labels = [str(label).strip() for label in label_set if str(label).strip()]
    if not labels:
        raise ValidationError({"label_set": [_("List the labels the annotators may use.")]})
    if len(labels) > MAX_LABELS:
        raise ValidationError({"label_set": [_("At most %(n)d labels.") % {"n": MAX_LABELS}]})
    long = [label for label in labels if len(label) > MAX_LABEL_LENGTH]
    if long:
        raise ValidationError(
            {
                "label_set": [
                    _("A label has at most %(n)d characters: %(label)s") % {"n": MAX_LABEL_LENGTH, "label": long[0]}
                ]
            }
        )
    repeated = [label for label, count in Counter(labels).items() if count > 1]
    if repeated:
        raise ValidationError({"label_set": [_("This label is listed twice: %(label)s") % {"label": repeated[0]}]})
    return labels


def _fits(gold: GoldSet, plan: AcceptancePlan) -> bool:
    return set(gold.label_counts) <= set(plan.label_set) and gold.item_count >= plan.sample_size


def _locked_milestone(contract: Contract, milestone_id: int) -> ContractMilestone:
    milestone = contract.milestones.select_for_update().filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound()
    if milestone.state != MilestoneState.SCHEDULED:
        raise Conflict(_("This milestone is already settled."))
    return milestone


def _commit_seed(plan: AcceptancePlan) -> SamplingSeed:
    seed = secrets.token_bytes(32)
    return SamplingSeed.objects.create(
        plan=plan, seed=seed.hex(), digest=hashlib.sha256(seed).hexdigest(), committed_at=timezone.now()
    )


def gold_set_upload(*, actor: User, plan: AcceptancePlan, upload: UploadedFile) -> GoldSet:
    """Store the buyer's gold set after reading it whole: its labels must be in the plan's label
    set and it must hold at least the sample the plan draws."""
    require_buyer_staff(actor=actor, buyer=plan.contract.buyer)
    if plan.deliveries.exists():
        raise Conflict(_("A delivery has arrived: the gold set can no longer change."))
    _check_size(upload, settings.ACCEPTANCE_GOLD_MAX_BYTES)
    name, sha256, size = _store(upload, "gold")
    try:
        labelled = _read(name, plan)
        count = len(items_of(labelled))
        if count < plan.sample_size:
            raise ValidationError(
                {
                    "file": [
                        _("The gold set holds %(count)s items; the plan samples %(n)s, so it needs at least that many.")
                        % {"count": count, "n": plan.sample_size}
                    ]
                }
            )
        with transaction.atomic():
            plan = lock(AcceptancePlan, plan.pk)
            if plan.deliveries.exists():
                raise Conflict(_("A delivery has arrived: the gold set can no longer change."))
            previous = GoldSet.objects.select_for_update().filter(plan=plan).first()
            before = {"sha256": previous.sha256, "items": previous.item_count} if previous else {}
            if previous is not None:
                old_name = previous.file.name
                previous.delete()
                transaction.on_commit(lambda: default_storage.delete(old_name))
            gold = GoldSet.objects.create(
                plan=plan,
                file=name,
                original_name=_display_name(upload),
                sha256=sha256,
                size_bytes=size,
                item_count=count,
                label_counts=_label_counts(labelled),
                uploaded_by=actor,
                uploaded_at=timezone.now(),
            )
            audit_record(
                actor=actor,
                action="acceptance.gold_uploaded",
                obj=plan.contract,
                before=before,
                after={"milestone": plan.milestone.position, "sha256": sha256, "items": count},
            )
    except BaseException:
        default_storage.delete(name)
        raise
    return gold


def _label_counts(labelled: LabelledSet) -> dict[str, int]:
    if isinstance(labelled, ClassificationSet):
        return dict(Counter(labelled.labels.values()))
    if isinstance(labelled, BoxSet):
        return dict(Counter(box.label for boxes in labelled.boxes.values() for box in boxes))
    return dict(Counter(span[3] for span in labelled.spans))


# --- Deliveries --------------------------------------------------------------------------------


def delivery_upload(*, actor: User, plan: AcceptancePlan, upload: UploadedFile, note: str = "") -> Delivery:
    """Receive a delivery and queue its scoring. Refused while another delivery of the milestone is
    open, once the contract's limit is used up, or when the file is too large or a suspicious zip."""
    contract = plan.contract
    require_vendor_staff(actor=actor, vendor=contract.supplier)
    note = (note or "").strip()[:2000]
    _check_size(upload, settings.ACCEPTANCE_DELIVERY_MAX_BYTES)
    name, sha256, size = _store(upload, "deliveries")
    try:
        with _opened(name):
            pass  # an unsafe zip is refused before anything is recorded
        with transaction.atomic():
            contract = lock(Contract, contract.pk)
            plan = lock(AcceptancePlan, plan.pk)
            milestone = _locked_milestone(contract, plan.milestone_id)
            _check_delivery_allowed(contract, plan)
            seed = plan.seeds.select_for_update().get(revealed_at__isnull=True)
            number = (plan.deliveries.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            delivery = Delivery.objects.create(
                plan=plan,
                contract=contract,
                milestone=milestone,
                number=number,
                seed=seed,
                file=name,
                original_name=_display_name(upload),
                sha256=sha256,
                size_bytes=size,
                note=note,
                uploaded_by=actor,
                uploaded_at=timezone.now(),
                language=translation.get_language() or settings.LANGUAGE_CODE,
                progress_total=plan.lot_size,
            )
            audit_record(
                actor=actor,
                action="delivery.upload",
                obj=delivery,
                before={},
                after={"number": number, "sha256": sha256, "size_bytes": size, "seed_digest": seed.digest},
            )
            notify(
                users=staff_of(contract.buyer),
                kind="delivery.received",
                params={"number": number, "milestone": milestone.title, "contract": contract.reference or ""},
                url=reverse("marketplace:delivery-detail", args=[delivery.pk]),
                key=f"delivery.received:{delivery.pk}",
            )
            transaction.on_commit(lambda: _queue_scoring(delivery.pk))
    except BaseException:
        default_storage.delete(name)
        raise
    return delivery


def _check_delivery_allowed(contract: Contract, plan: AcceptancePlan) -> None:
    if contract.state != ContractState.ACTIVE:
        raise Conflict(_("Deliveries are made on an active contract."))
    if not GoldSet.objects.filter(plan=plan).exists():
        raise Conflict(_("The buyer has not finished the acceptance plan yet: deliveries open once it has."))
    if plan.deliveries.filter(state__in=OPEN_DELIVERY_STATES).exists():
        raise Conflict(_("The previous delivery of this milestone is still being scored or decided."))
    if plan.deliveries.filter(state__in=COUNTED_DELIVERY_STATES).count() >= contract.max_deliveries:
        raise Conflict(
            _("The deliveries the contract allows for this milestone (%(n)d) are used up.")
            % {"n": contract.max_deliveries}
        )


def _queue_scoring(delivery_id: int) -> None:
    from marketplace.tasks import delivery_score_task

    delivery_score_task.delay(delivery_id)


def deliveries_allowed_left(*, contract: Contract, plan: AcceptancePlan) -> int:
    used = plan.deliveries.filter(state__in=COUNTED_DELIVERY_STATES).count()
    return max(0, contract.max_deliveries - used)


# --- Scoring -----------------------------------------------------------------------------------


def delivery_score(*, delivery_id: int) -> Delivery:
    """Score a received delivery: read the gold set and the delivery, compute the metrics, draw the
    sample with the committed seed, count the defects, store the report and reveal the seed. The
    Celery task calls this.

    Safe to run twice: the delivery is taken under a row lock, only when received — or scoring with
    no progress for ACCEPTANCE_SCORING_STALE_SECONDS (a worker died). Each take bumps
    `scoring_attempt`; a run that is no longer current stops at its next progress update.
    """
    attempt = _claim(delivery_id)
    delivery = Delivery.objects.select_related("plan", "seed").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    if attempt is None:
        return delivery
    try:
        with translation.override(delivery.language):
            return _score(delivery, attempt)
    except _Superseded:
        return Delivery.objects.get(pk=delivery_id)
    except Exception:
        logger.exception("scoring of delivery %s stopped", delivery_id)
        with translation.override(delivery.language):
            message = _(
                "The scoring stopped because of an internal error. This delivery does not count: upload it again."
            )
        with contextlib.suppress(_Superseded):
            _finish_invalid(delivery, attempt, [{"message": message}])
        raise


def _claim(delivery_id: int) -> int | None:
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.ACCEPTANCE_SCORING_STALE_SECONDS)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(of=("self",)).filter(pk=delivery_id).first()
        if delivery is None:
            return None
        abandoned = delivery.state == DeliveryState.SCORING and (
            delivery.progress_at is None or delivery.progress_at < stale_before
        )
        if delivery.state != DeliveryState.RECEIVED and not abandoned:
            return None
        _move(delivery, DeliveryState.SCORING)
        delivery.scoring_attempt += 1
        delivery.progress_done = 0
        delivery.progress_at = now
        delivery.save(update_fields=["state", "scoring_attempt", "progress_done", "progress_at"])
        return delivery.scoring_attempt


def _move(delivery: Delivery, state: str) -> None:
    if state not in DELIVERY_TRANSITIONS[delivery.state]:
        raise Conflict(
            _("A delivery that is %(current)s cannot become %(next)s.")
            % {"current": DeliveryState(delivery.state).label, "next": DeliveryState(state).label}
        )
    delivery.state = state


def _touch(delivery_id: int, attempt: int, **fields: Any) -> None:
    """Record progress outside any transaction, so the page sees it at once."""
    if not Delivery.objects.filter(pk=delivery_id, scoring_attempt=attempt).update(
        progress_at=timezone.now(), **fields
    ):
        raise _Superseded()


def _score(delivery: Delivery, attempt: int) -> Delivery:
    plan = delivery.plan
    gold_set = GoldSet.objects.get(plan=plan)
    try:
        gold = _read(gold_set.file.name, plan)
        delivered = _read(
            delivery.file.name,
            plan,
            on_progress=lambda done: _touch(delivery.pk, attempt, progress_done=done),
        )
        result = assess(
            gold=gold,
            delivered=delivered,
            sample_size=plan.sample_size,
            accept_number=plan.accept_number,
            seed=bytes.fromhex(delivery.seed.seed),
            labels=plan.label_set,
        )
    except ValidationError as error:
        return _finish_invalid(delivery, attempt, [{"message": message} for message in error.messages])
    except QualityInputError as error:
        detail = {"message": quality_error_message(error), "code": error.code, "line": error.line, "field": error.field}
        return _finish_invalid(delivery, attempt, [detail])
    return _finish_scored(delivery, attempt, item_count=len(items_of(delivered)), result=result)


def _finish_invalid(delivery: Delivery, attempt: int, errors: list[dict[str, Any]]) -> Delivery:
    """The file could not be read: record why. Its seed stays secret and samples the next delivery."""
    with transaction.atomic():
        delivery = lock(Delivery, delivery.pk)
        if delivery.scoring_attempt != attempt:
            raise _Superseded()
        _move(delivery, DeliveryState.INVALID)
        delivery.errors = errors
        delivery.save(update_fields=["state", "errors"])
        audit_record(actor=None, action="delivery.invalid", obj=delivery, before={}, after={"errors": errors})
        contract = delivery.contract
        notify(
            users=staff_of(contract.supplier),
            kind="delivery.invalid",
            params={"number": delivery.number, "contract": contract.reference or ""},
            url=reverse("marketplace:delivery-detail", args=[delivery.pk]),
            key=f"delivery.invalid:{delivery.pk}",
        )
    return delivery


def _finish_scored(delivery: Delivery, attempt: int, *, item_count: int, result: Any) -> Delivery:
    now = timezone.now()
    with transaction.atomic():
        delivery = lock(Delivery, delivery.pk)
        if delivery.scoring_attempt != attempt:
            raise _Superseded()
        plan = delivery.plan
        _move(delivery, DeliveryState.SCORED)
        delivery.item_count = item_count
        delivery.progress_done = max(delivery.progress_done, item_count)
        delivery.save(update_fields=["state", "item_count", "progress_done"])
        report = AcceptanceReport.objects.create(
            delivery=delivery,
            metrics=result.metrics,
            sample=result.sample,
            defects=result.defects,
            sample_size=len(result.sample),
            defect_count=len(result.defects),
            accept_number=plan.accept_number,
            reject_number=plan.reject_number,
            proposed=result.decision,
            scored_at=now,
        )
        seed = lock(SamplingSeed, delivery.seed_id)
        seed.revealed_at = now
        seed.save(update_fields=["revealed_at"])
        _commit_seed(plan)
        audit_record(
            actor=None,
            action="delivery.scored",
            obj=delivery,
            before={},
            after={
                "sample_size": report.sample_size,
                "defects": report.defect_count,
                "accept_number": report.accept_number,
                "proposed": report.proposed,
                "seed": seed.seed,
                "seed_digest": seed.digest,
            },
        )
        contract = delivery.contract
        notify(
            users=staff_of(contract.buyer, contract.supplier),
            kind="delivery.scored",
            params={
                "number": delivery.number,
                "contract": contract.reference or "",
                "defects": report.defect_count,
                "sample": report.sample_size,
                "ac": report.accept_number,
            },
            url=reverse("marketplace:delivery-detail", args=[delivery.pk]),
            key=f"delivery.scored:{delivery.pk}",
        )
    return delivery


# --- The buyer's decision ----------------------------------------------------------------------


def delivery_decide(*, actor: User, delivery: Delivery, decision: str, reason: str = "") -> AcceptanceReport:
    """The buyer's staff confirm the sampling's result, or override it with a reason (audited).
    Accepting meets the milestone and makes its amount due; rejecting lets the vendor deliver
    again while the contract's limit allows, and fails the milestone after the last one."""
    contract = delivery.contract
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("Accept or reject the delivery.")]})
    with transaction.atomic():
        lock(Tender, contract.tender_id)
        contract = lock(Contract, contract.pk)
        delivery = lock(Delivery, delivery.pk)
        if delivery.state != DeliveryState.SCORED:
            raise Conflict(_("Only a scored delivery awaiting a decision can be decided."))
        report = AcceptanceReport.objects.select_for_update().get(delivery=delivery)
        reason = (reason or "").strip()
        if decision != report.proposed:
            reason = required_text(
                reason, "reason", _("Give the reason for deciding otherwise than the sampling's result.")
            )
        milestone = ContractMilestone.objects.select_for_update().get(pk=delivery.milestone_id)
        now = timezone.now()
        _move(delivery, decision)
        delivery.save(update_fields=["state"])
        report.decision = decision
        report.override_reason = reason if decision != report.proposed else ""
        report.decided_by = actor
        report.decided_at = now
        report.save(update_fields=["decision", "override_reason", "decided_by", "decided_at"])
        rollup_events.acceptance_decided(report, contract_id=contract.pk)
        audit_record(
            actor=actor,
            action="delivery.accept" if decision == Decision.ACCEPTED else "delivery.reject",
            obj=delivery,
            before={"state": DeliveryState.SCORED, "proposed": report.proposed},
            after={"state": decision, "overridden": report.overridden, "reason": report.override_reason},
        )
        params: dict[str, Any] = {
            "number": delivery.number,
            "milestone": milestone.title,
            "contract": contract.reference or "",
        }
        url = reverse("marketplace:delivery-detail", args=[delivery.pk])
        if decision == Decision.ACCEPTED:
            milestone_met(actor=actor, contract=contract, milestone=milestone)
            PaymentDue.objects.create(
                milestone=milestone, contract=contract, delivery=delivery, amount_fen=milestone.amount_fen, due_at=now
            )
            params["amount"] = format_fen(milestone.amount_fen)
            kind = "delivery.accepted"
        else:
            left = deliveries_allowed_left(contract=contract, plan=delivery.plan)
            params["left"] = left
            kind = "delivery.rejected"
            if left == 0:
                milestone.state = MilestoneState.FAILED
                milestone.save(update_fields=["state"])
                transaction.on_commit(partial(payment_release_queue, milestone.pk))
                audit_record(
                    actor=actor,
                    action="contract.milestone_failed",
                    obj=contract,
                    before={},
                    after={"milestone": milestone.position},
                )
                kind = "milestone.failed"
        notify(
            users=staff_of(contract.buyer, contract.supplier),
            kind=kind,
            params=params,
            url=url,
            key=f"{kind}:{delivery.pk}",
        )
    return report


# --- Files -------------------------------------------------------------------------------------


def _check_size(upload: UploadedFile, limit: int) -> None:
    if upload.size is None or upload.size > limit:
        raise ValidationError({"file": [_("The file may be at most %(mb)d MB.") % {"mb": limit // 2**20}]})
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})


def _display_name(upload: UploadedFile) -> str:
    return PurePath(upload.name or "upload").name[:255]


def _store(upload: UploadedFile, folder: str) -> tuple[str, str, int]:
    """Save the upload under a random name; return that name, its SHA-256 and its size."""
    suffix = "".join(PurePath(upload.name or "").suffixes[-2:])[:16]
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    name = default_storage.save(f"acceptance/{folder}/{uuid4().hex}{suffix}", upload)
    return name, digest.hexdigest(), size


@contextlib.contextmanager
def _opened(name: str) -> Iterator[BinaryIO]:
    """The stored file's data (the one data file of a zip); a ValidationError on the file when the
    archive is refused. Errors met while reading the data pass through."""
    with contextlib.ExitStack() as stack:
        try:
            stream = stack.enter_context(
                open_upload(
                    Path(default_storage.path(name)),
                    max_uncompressed_bytes=settings.ACCEPTANCE_ZIP_MAX_UNCOMPRESSED_BYTES,
                    max_ratio=settings.ACCEPTANCE_ZIP_MAX_RATIO,
                )
            )
        except QualityInputError as error:
            raise ValidationError({"file": [quality_error_message(error)]}) from None
        yield stream


def _read(name: str, plan: AcceptancePlan, on_progress: Callable[[int], None] | None = None) -> LabelledSet:
    with _opened(name) as stream:
        try:
            return parse(stream, kind=plan.kind, fmt=plan.format, label_set=plan.label_set, on_progress=on_progress)
        except QualityInputError as error:
            if on_progress is not None:
                raise  # scoring records the error with its place
            raise ValidationError({"file": [quality_error_message(error)]}) from None
