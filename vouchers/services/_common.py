"""Checks and helpers the voucher services share: who acts for whom, evidence files, refusals."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
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


@dataclass(frozen=True)
class StoredEvidence:
    sha256: str
    name: str  # the file's name as uploaded, given back when it is downloaded


def store_evidence(*, file: FieldFile, upload: UploadedFile | None, name: str = "evidence") -> StoredEvidence:
    """Check the evidence file (type, size, not empty) and store it in `file` (a model's file field,
    saved with the row later) under a random name: two applicants' "营业执照.pdf" never collide
    (storage would rename the second) and no stored path can be guessed from a file's name. Its
    SHA-256 and its name as uploaded are returned for the row. Nothing is written when the file is
    refused."""
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
    file.save(f"{secrets.token_hex(16)}{suffix}", upload, save=False)
    return StoredEvidence(sha256=digest.hexdigest(), name=PurePath(upload.name or "evidence").name[-100:])
