"""Clarifications (澄清/答疑): vendors ask, the buyer answers, answers are published to everyone
without the asker's name."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Clarification, Tender
from marketplace.services._common import lock, lock_shared, require_buyer_staff, require_vendor_staff, required_text
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict
from portal.permissions import grant
from registry.models import Organisation

VIEW = ("marketplace.view_clarification",)


def clarification_ask(*, actor: User, tender: Tender, vendor: Organisation, question: str) -> Clarification:
    question = required_text(question, "question", _("Write your question."))
    require_vendor_staff(actor=actor, vendor=vendor)
    with transaction.atomic():
        tender = lock_shared(Tender, tender.pk)
        if tender.state != TenderState.OPEN or tender.deadline <= timezone.now():
            raise Conflict(_("Questions are taken only while the tender is open for bids."))
        clarification = Clarification.objects.create(
            tender=tender, asked_by=actor, asking_organisation=vendor, question=question
        )
        grant(perms=VIEW, to=vendor.members_group, obj=clarification)
        grant(perms=VIEW, to=tender.buyer.members_group, obj=clarification)
        audit_record(
            actor=actor,
            action="clarification.ask",
            obj=clarification,
            before={},
            after={"tender": tender.pk, "organisation": vendor.pk, "question": question},
        )
    return clarification


def clarification_answer(*, actor: User, clarification: Clarification, answer: str) -> Clarification:
    """Publish the answer. Answers that change the tender documents go with an amendment too."""
    answer = required_text(answer, "answer", _("Write the answer."))
    with transaction.atomic():
        clarification = lock(Clarification, clarification.pk)
        tender = lock_shared(Tender, clarification.tender_id)
        require_buyer_staff(actor=actor, buyer=tender.buyer)
        if clarification.answered:
            raise Conflict(_("This question has already been answered."))
        if tender.state != TenderState.OPEN:
            raise Conflict(_("Questions are answered only while the tender is open for bids."))
        clarification.answer = answer
        clarification.answered_by = actor
        clarification.answered_at = timezone.now()
        clarification.save()
        audit_record(actor=actor, action="clarification.answer", obj=clarification, before={}, after={"answer": answer})
    return clarification
