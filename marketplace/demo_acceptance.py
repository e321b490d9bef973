"""Demo data of delivery acceptance, on the two active contracts of the demo bus tender
(`marketplace.demo`): every state a reviewer should be able to click through.

- Lot 1 (crowding level of bus-cabin video frames, classification CSV): the second milestone has a
  plan and a gold set; delivery 1 was rejected, delivery 2 is scored and awaits the agency's
  decision (the hand journey of the README: the agency confirms it).
- Lot 2 (station names in announcements, CoNLL BIO entities): the second milestone was accepted on
  the first delivery, so it is met, and the agency recorded its treasury transfer; the third
  milestone has a plan and a gold set and waits for the vendor's delivery.

And on the enterprise's request for quotation (汽车零部件…, paid by card): the second milestone
has a plan, a gold set and a scored delivery awaiting the buyer, who pays it by card (a Stripe test
card; `make run` serves a local stand-in for Stripe) and then accepts it, which captures the hold.

Labels come from a seeded generator, so every run builds the same files. Idempotent: a contract
whose milestone already has a plan is left alone.
"""

from __future__ import annotations

import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace import services
from marketplace.models import AcceptancePlan, Contract, ContractState, Decision, Delivery, DeliveryState
from portal.accounts.models import User

BUS_TENDER = "成都市公交客流视频与报站语音数据标注服务"
ENTERPRISE_TENDER = "汽车零部件产线缺陷图像分类标注询价"
DEFECTS = ("无缺陷", "划痕", "凹坑", "毛刺", "缺料")
CROWDING = ("空闲", "适中", "拥挤", "满载")
STATIONS = (
    "天府广场",
    "春熙路",
    "宽窄巷子",
    "火车北站",
    "金沙遗址",
    "武侯祠",
    "省体育馆",
    "红星路",
    "骡马市",
    "太升南路",
)
ENTITY = "站名"


def seed_acceptance(*, users: dict[str, User]) -> int:
    """Create what is missing; return how many deliveries were made."""
    created = 0
    contracts = list(
        Contract.objects.filter(tender__title=BUS_TENDER, state=ContractState.ACTIVE).order_by("award__lot__number")
    )
    if len(contracts) == 2:
        buyer = users["agency"]
        video, speech = contracts
        if not video.acceptance_plans.exists():
            created += _crowding(buyer, video, _supplier(users, video))
        if not speech.acceptance_plans.exists():
            created += _stations(buyer, speech, _supplier(users, speech))
    enterprise = Contract.objects.filter(tender__title=ENTERPRISE_TENDER, state=ContractState.ACTIVE).first()
    if enterprise is not None and not enterprise.acceptance_plans.exists():
        created += _defects(users["buyer"], enterprise, _supplier(users, enterprise))
    return created


def _supplier(users: dict[str, User], contract: Contract) -> User:
    return next(
        user for user in users.values() if user.memberships.filter(organisation_id=contract.supplier_id).exists()
    )


def _milestone(contract: Contract, position: int) -> int:
    return contract.milestones.order_by("position").values_list("pk", flat=True)[position - 1]


def _deliver(supplier: User, plan: AcceptancePlan, name: str, body: str) -> Delivery:
    delivery = services.delivery_upload(
        actor=supplier, plan=plan, upload=SimpleUploadedFile(name, body.encode()), note="按合同约定格式交付。"
    )
    # Scored here rather than by the queued task, which then finds it done.
    return services.delivery_score(delivery_id=delivery.pk)


# --- lot 1: classification -------------------------------------------------------------------------


def _crowding(buyer: User, contract: Contract, supplier: User) -> int:
    rng = random.Random(20241)  # noqa: S311 (demo labels, not secrets)
    gold = {f"bus-frame-{i:05d}": rng.choice(CROWDING) for i in range(400)}
    plan = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=_milestone(contract, 2),
        kind="classification",
        fmt="csv",
        label_set=list(CROWDING),
        lot_size=2_000,
    )
    services.gold_set_upload(actor=buyer, plan=plan, upload=SimpleUploadedFile("金标准.csv", _csv(gold).encode()))
    everything = {f"bus-frame-{i:05d}": rng.choice(CROWDING) for i in range(2_000)} | gold
    first = _deliver(supplier, plan, "首批交付.csv", _csv(_with_errors(everything, rng, 0.15)))
    services.delivery_decide(actor=buyer, delivery=first, decision=Decision.REJECTED)
    _deliver(supplier, plan, "首批交付-修订.csv", _csv(_with_errors(everything, rng, 0.01)))
    return 2


def _csv(labels: dict[str, str]) -> str:
    return "item_id,label\n" + "".join(f"{item},{label}\n" for item, label in labels.items())


def _with_errors(labels: dict[str, str], rng: random.Random, share: float) -> dict[str, str]:
    return {
        item: rng.choice([other for other in CROWDING if other != label]) if rng.random() < share else label
        for item, label in labels.items()
    }


# --- the enterprise's order: classification, paid by card -------------------------------------------


def _defects(buyer: User, contract: Contract, supplier: User) -> int:
    rng = random.Random(20243)  # noqa: S311 (demo labels, not secrets)
    gold = {f"part-{i:05d}": rng.choice(DEFECTS) for i in range(300)}
    plan = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=_milestone(contract, 2),
        kind="classification",
        fmt="csv",
        label_set=list(DEFECTS),
        lot_size=1_000,
    )
    services.gold_set_upload(actor=buyer, plan=plan, upload=SimpleUploadedFile("金标准.csv", _csv(gold).encode()))
    everything = {f"part-{i:05d}": rng.choice(DEFECTS) for i in range(1_000)} | gold
    _deliver(supplier, plan, "首批缺陷分类.csv", _csv(everything))
    return 1


# --- lot 2: entities ---------------------------------------------------------------------------------


def _stations(buyer: User, contract: Contract, supplier: User) -> int:
    rng = random.Random(20242)  # noqa: S311 (demo labels, not secrets)
    sentences = {f"announcement-{i:04d}": (rng.choice(STATIONS), rng.choice(STATIONS)) for i in range(300)}
    gold = dict(list(sentences.items())[:120])
    plan = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=_milestone(contract, 2),
        kind="entities",
        fmt="conll",
        label_set=[ENTITY],
        lot_size=300,
    )
    services.gold_set_upload(actor=buyer, plan=plan, upload=SimpleUploadedFile("金标准.conll", _conll(gold).encode()))
    delivery = _deliver(supplier, plan, "报站语音实体标注.conll", _conll(sentences))
    if delivery.state == DeliveryState.SCORED:
        services.delivery_decide(actor=buyer, delivery=delivery, decision=Decision.ACCEPTED)
        milestone = delivery.milestone
        services.treasury_transfer_record(
            actor=buyer,
            contract=contract,
            milestone_id=milestone.pk,
            amount_fen=milestone.amount_fen,
            transfer_date=timezone.localdate(),
            voucher_number="GK2026-0001873",
        )
    third = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=_milestone(contract, 3),
        kind="entities",
        fmt="conll",
        label_set=[ENTITY],
        lot_size=1_200,
    )
    more = {f"announcement-{i:04d}": (rng.choice(STATIONS), rng.choice(STATIONS)) for i in range(300, 500)}
    services.gold_set_upload(
        actor=buyer, plan=third, upload=SimpleUploadedFile("金标准-全部.conll", _conll(more).encode())
    )
    return 1


def _conll(sentences: dict[str, tuple[str, str]]) -> str:
    """One character per token: 下一站<A>，请在<B>换乘。 with the two station names tagged."""
    lines: list[str] = []
    for item, (here, change) in sentences.items():
        lines.append(f"# id = {item}")
        for text, tagged in (("下一站", False), (here, True), ("，请在", False), (change, True), ("换乘。", False)):
            lines += [f"{char}\t{_tag(index, tagged)}" for index, char in enumerate(text)]
        lines.append("")
    return "\n".join(lines) + "\n"


def _tag(index: int, tagged: bool) -> str:
    if not tagged:
        return "O"
    return f"{'B' if index == 0 else 'I'}-{ENTITY}"
