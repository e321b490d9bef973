"""A realistic open-data set, made through the services: every kind of release the exchange writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace import services
from marketplace.models import Tender
from marketplace.states import TenderState
from registry.taxonomy import Modality
from tests.factories.marketplace import (
    CatalogueEntryFactory,
    TenderFactory,
    agency_staff,
    document_upload,
    opened_tender,
)

# Prices of the opened tender: three within the lot's budget (500,000.00 yuan), one above it.
OPENED_PRICES = [41_000_000, 39_500_050, 45_000_000, 60_000_000]


@dataclass(frozen=True)
class OpenData:
    catalogued: Tender  # from a catalogue entry, two lots, amended with a new document
    cancelled: Tender
    withdrawn_draft: Tender  # cancelled before it was ever published
    opened: Tender  # in evaluation: three valid bids and one over budget
    failed: Tender  # one bid where three are needed
    retender: Tender  # the failed tender, re-tendered
    draft: Tender

    @property
    def public(self) -> list[Tender]:
        return [self.catalogued, self.cancelled, self.withdrawn_draft, self.opened, self.failed, self.retender]


@pytest.fixture
def open_data(db) -> OpenData:
    agency = agency_staff()
    entry = CatalogueEntryFactory(actor=agency)
    catalogued = TenderFactory(
        actor=agency,
        publish=True,
        catalogue_entry_id=entry.pk,
        lots=[
            services.LotSpec(title="车辆框选", modality=Modality.IMAGE, volume=800_000, budget_fen=30_000_000),
            services.LotSpec(
                title="视频帧标注", modality=Modality.VIDEO, volume=12_000, budget_fen=20_000_050, volume_unit="frame"
            ),
        ],
    )
    services.tender_amend(
        actor=agency,
        tender=catalogued,
        rationale="补充数据字典与样例标注。",
        documents=[("数据字典", document_upload("数据字典.pdf", b"%PDF-1.4 data dictionary"))],
    )
    cancelled = TenderFactory(publish=True)
    services.tender_cancel(actor=cancelled.created_by, tender=cancelled, reason="预算调整，项目暂缓。")
    withdrawn_draft = TenderFactory()
    services.tender_cancel(actor=withdrawn_draft.created_by, tender=withdrawn_draft, reason="需求并入其他项目。")
    failed = opened_tender(bidders=1)
    assert failed.state == TenderState.FAILED
    retender = services.tender_retender(
        actor=failed.created_by, tender=failed, deadline=timezone.now() + timedelta(days=30)
    )
    data = OpenData(
        catalogued=catalogued,
        cancelled=cancelled,
        withdrawn_draft=withdrawn_draft,
        opened=opened_tender(prices=OPENED_PRICES),
        failed=failed,
        retender=retender,
        draft=TenderFactory(),
    )
    assert data.opened.state == TenderState.EVALUATION
    return data
