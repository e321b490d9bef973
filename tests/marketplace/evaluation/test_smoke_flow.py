from marketplace import services
from marketplace.models import BidResult, ContractState
from marketplace.states import TenderState
from tests.factories.evaluation import awarded_tender
from tests.factories.marketplace import vendor_of


def test_opening_to_signed_contract(db):
    tender, contracts = awarded_tender(bidders=3, prices=[40_000_000, 45_000_000, 48_000_000])
    assert tender.state == TenderState.AWARDED
    results = list(BidResult.objects.filter(tender=tender).order_by("rank"))
    assert [r.rank for r in results] == [1, 2, 3]
    assert results[0].price_points == 3_000
    (contract,) = contracts
    assert contract.value_fen == 40_000_000
    assert sum(m.amount_fen for m in contract.milestones.all()) == contract.value_fen
    services.contract_sign(actor=tender.created_by, contract=contract)
    supplier_user = contract.supplier.memberships.first().user
    contract = services.contract_sign(actor=supplier_user, contract=contract)
    assert contract.state == ContractState.ACTIVE
    assert vendor_of(supplier_user) == contract.supplier
