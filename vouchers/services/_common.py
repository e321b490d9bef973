"""Checks and helpers the voucher services share: who acts for whom, evidence files, refusals."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.errors import DomainError, PermissionDenied
from registry.models import Organisation
from vouchers import selectors
from vouchers.models import Programme

EVIDENCE_EXTENSIONS = frozenset({".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".zip"})


class RedemptionRefused(DomainError):
    """A redemption breaks one of the rules of DESIGN §6; `code` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def require_officer(*, actor: User, programme: Programme) -> None:
    if not selectors.is_officer_of(actor, programme):
        raise PermissionDenied(_("Only officers of the programme's voucher authority can do this."))


def require_acts_for(*, actor: User, organisation: Organisation) -> None:
    if not selectors.acts_for(actor, organisation):
        raise PermissionDenied(_("Only the organisation's own staff can do this."))


def store_evidence(*, file: FieldFile, upload: UploadedFile | None, name: str = "evidence") -> str:
    """Check the evidence file (type, size, not empty), store it in `file` (a model's file field,
    saved with the row later) and return its SHA-256. Nothing is written when the file is refused."""
    if upload is None:
        raise ValidationError({name: [_("Attach the evidence (PDF, OFD, JPEG, PNG or ZIP).")]})
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in EVIDENCE_EXTENSIONS:
        raise ValidationError({name: [_("Evidence must be a PDF, OFD, JPEG, PNG or ZIP file.")]})
    if not upload.size:
        raise ValidationError({name: [_("The file is empty.")]})
    limit = settings.VOUCHER_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({name: [_("Evidence may be at most %(mb)d MB.") % {"mb": limit // 2**20}]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    file.save(PurePath(upload.name or "evidence").name[-100:], upload, save=False)
    return digest.hexdigest()
