"""Security (issue 4): before the opening, nobody but the bidder learns a bid's price or documents.

Sealed bids with distinctive prices and document names are made in every situation before an
opening: a tender taking bids (one bid a superseded earlier submission, one sent through the API
with an Idempotency-Key, then an amendment asking for re-confirmation), a tender closed and waiting
for its opening, and a tender cancelled before it. Then, as every role but the bidder (another
vendor bidding on the same tenders, the buyer's staff, a nationwide regulator, an operator who is a
superuser, and anonymous), every GET route under /tenders/, /api/v1/, /api/ocds/ and the exchange's
admin is requested with the ids of the objects that exist. Routes are found by walking the URL
resolver, so pages added later are covered without being listed here. The OCDS export, the audit
rows, the stored idempotent responses, the releases, the mail outbox and the log records are
searched too.

Two controls keep the test honest: a tender that has been opened carries a price that must be
found (the walk reaches the places that show prices once they are public), and the bidder's own
`sealed-content` must show its secrets (the search strings are right).
"""

from __future__ import annotations

import itertools
import json
import logging
import re

import pytest
from django.contrib import admin
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from marketplace import services
from marketplace.models import (
    Bid,
    CatalogueEntry,
    Clarification,
    Contract,
    ContractMilestone,
    Delivery,
    Lot,
    Release,
    Tender,
    TenderDocument,
)
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from portal.idempotency.models import IdempotencyRecord
from portal.money import format_fen, hundredths_text
from registry.models import Organisation
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.marketplace import (
    CatalogueEntryFactory,
    TenderFactory,
    agency_staff,
    bid_on,
    opened_tender,
    past_deadline,
    vendor_of,
    vendor_staff,
)

pytestmark = pytest.mark.django_db

# price_fen -> a document name sealed with it. Every price has non-zero fen, so that its yuan form
# has exactly one spelling.
SECRETS = {
    987_654_321: "SECRET-PROPOSAL-xyz.pdf",
    918_273_645: "SECRET-DRAFT-qpr.pdf",
    876_123_459: "SECRET-PLAN-klm.docx",
    765_432_198: "SECRET-BID-opening.pdf",
    654_321_987: "SECRET-CANCELLED-uvw.pdf",
}
# A price on a tender that has been opened: public, so the walk must find it.
CONTROL_PRICE = 43_219_876
PREFIXES = ("tenders/", "api/v1/", "api/ocds/")
ADMIN_PREFIXES = ("admin/marketplace/", "admin/audit/")
ADMIN_APPS = ("marketplace", "audit")
MAX_PAGES = 20


def price_forms(fen: int) -> set[str]:
    """Every way a page, API or export could spell the amount: fen, fen with separators, yuan
    (plain, with separators) and 万元."""
    return {str(fen), f"{fen:,}", hundredths_text(fen), format_fen(fen), f"{fen // 10**6}.{fen % 10**6:06d}"}


def secret_strings() -> dict[str, str]:
    """search string -> what it gives away."""
    found = {}
    for price, name in SECRETS.items():
        for form in price_forms(price):
            found[form] = f"price {price}"
        found[name.lower()] = f"document {name}"
        found[name.rsplit(".", 1)[0].lower()] = f"document {name}"
    return found


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return sorted({secret for form, secret in secret_strings().items() if form in lowered})


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


@pytest.fixture
def world(caplog):
    """Tenders and sealed bids in every state before an opening, plus an opened control tender."""
    caplog.set_level(logging.DEBUG)  # from the start: submissions and openings log too
    buyer = agency_staff()
    bidder = vendor_staff()  # owns every secret
    second_bidder = vendor_staff(region_code="440300")  # also owns secrets, through the JSON API
    competitor = vendor_staff(region_code="340100")  # bids too, with nothing secret
    regulator_agency = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="110000", verified=True)
    regulator = MembershipFactory(organisation=regulator_agency, role=Role.REGULATOR).user
    operator = UserFactory(username="root-operator", is_staff=True, is_superuser=True)
    entry = CatalogueEntryFactory(actor=buyer)

    # Opened first: the sweep below would otherwise close the waiting tender too.
    control = opened_tender(bidders=3, prices=[CONTROL_PRICE, 44_000_000, 45_000_000], actor=buyer)
    assert control.state == TenderState.EVALUATION

    taking_bids = TenderFactory(actor=buyer, publish=True, title="仍在投标期的招标", catalogue_entry_id=entry.pk)
    secret_prices = list(SECRETS)
    bid_on(taking_bids, bidder, price_fen=secret_prices[1], name=SECRETS[secret_prices[1]])  # superseded below
    bid_on(taking_bids, competitor, price_fen=40_000_000)
    api = Client()
    api.force_login(bidder)
    lot = taking_bids.lots.get()
    submitted = api.post(
        "/api/v1/bids/",
        {
            "tender": taking_bids.pk,
            "lot": lot.pk,
            "vendor": vendor_of(bidder).pk,
            "price_fen": secret_prices[0],
            "documents": [_upload(SECRETS[secret_prices[0]])],
        },
        HTTP_IDEMPOTENCY_KEY="confidential-1",
    )
    assert submitted.status_code == 201, submitted.content
    api.force_login(second_bidder)
    submitted = api.post(
        "/api/v1/bids/",
        json.dumps(
            {
                "tender": taking_bids.pk,
                "lot": lot.pk,
                "vendor": vendor_of(second_bidder).pk,
                "price_fen": secret_prices[2],
                "documents": [{"name": SECRETS[secret_prices[2]], "content_base64": "UExBTg=="}],
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="confidential-2",
    )
    assert submitted.status_code == 201, submitted.content
    question = services.clarification_ask(
        actor=competitor, tender=taking_bids, vendor=vendor_of(competitor), question="是否允许分包？"
    )
    services.clarification_answer(actor=buyer, clarification=question, answer="不允许。")
    services.clarification_ask(actor=bidder, tender=taking_bids, vendor=vendor_of(bidder), question="样例何时提供？")
    services.tender_amend(
        actor=buyer,
        tender=taking_bids,
        rationale="补充样例数据说明",
        documents=[("", _upload("样例说明.pdf"))],
    )

    waiting = TenderFactory(actor=buyer, publish=True, title="已截止待开标的招标")
    bid_on(waiting, bidder, price_fen=secret_prices[3], name=SECRETS[secret_prices[3]])
    bid_on(waiting, competitor, price_fen=41_000_000)
    past_deadline(waiting)
    services.tenders_close_due()  # the opening it queues runs after commit, which never comes here
    waiting.refresh_from_db()
    assert waiting.state == TenderState.OPENING

    cancelled = TenderFactory(actor=buyer, publish=True, title="开标前取消的招标")
    bid_on(cancelled, bidder, price_fen=secret_prices[4], name=SECRETS[secret_prices[4]])
    services.tender_cancel(actor=buyer, tender=cancelled, reason="需求变更")

    TenderFactory(actor=buyer, title="草稿招标")
    secret_bids = Bid.objects.filter(vendor__in=[vendor_of(bidder), vendor_of(second_bidder)], opened_at=None)
    assert secret_bids.count() == len(SECRETS)
    return {
        "bidder": bidder,
        "second_bidder": second_bidder,
        "secret_bids": list(secret_bids),
        "readers": {
            "anonymous": None,
            "other vendor": competitor,
            "buyer": buyer,
            "regulator": regulator,
            "operator": operator,
        },
    }


# --- the walk --------------------------------------------------------------------------------


def _template(pattern) -> str:
    """A URL pattern as text with every parameter written `{name}`."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
    assert isinstance(pattern, RegexPattern)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", str(pattern))
    return text.lstrip("^").replace("\\Z", "").rstrip("$").replace("\\.", ".").replace("\\", "")


def _of_exchange(entry: URLPattern, template: str) -> bool:
    """A route of the exchange: a view in the marketplace app, or a page of its admin. The rest of
    /api/v1/ (the registry's resources) is walked with a few ids only."""
    callback = entry.callback
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return view.__module__.startswith("marketplace") or template.startswith(("admin/marketplace/", "tenders/"))


def get_routes() -> list[tuple[str, bool]]:
    """Every route of the exchange's pages, the API, OCDS, and the admin of the exchange and the
    audit log, as (template such as `api/v1/tenders/{pk}/opening/`, whether it is the exchange's)."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            template = prefix + _template(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, template)
            elif isinstance(entry, URLPattern) and "{format}" not in template:
                found.append((template, _of_exchange(entry, template)))

    walk(get_resolver().url_patterns, "")
    admin_pages = ("admin/", "admin/{app_label}/")
    return sorted(
        {
            (template, exchange)
            for template, exchange in found
            if template.startswith((*PREFIXES, *ADMIN_PREFIXES)) or template in admin_pages
        }
    )


def _ids_by_collection() -> dict[str, list[str]]:
    """The ids a parameter can take, by the path segment in front of it (`tenders/{pk}`, the
    admin's `marketplace/bid/{object_id}`); "" holds every id of the exchange's objects."""
    models: dict[tuple[str, ...], type[Model]] = {
        ("organisations",): Organisation,
        ("tenders", "tender"): Tender,
        ("bids", "bid"): Bid,
        ("documents", "tenderdocument"): TenderDocument,
        ("catalogue", "catalogueentry"): CatalogueEntry,
        ("clarifications", "clarification"): Clarification,
        ("releases", "release"): Release,
        ("lots", "lot"): Lot,
        # Nested routes (contracts/{pk}/milestones/{milestone_pk}/…) take their own ids, or the
        # walk would square every id of the exchange.
        ("contracts", "contract"): Contract,
        ("milestones", "contractmilestone"): ContractMilestone,
        ("deliveries", "delivery"): Delivery,
        ("auditentry",): AuditEntry,
    }
    ids: dict[str, list[str]] = {}
    for names, model in models.items():
        values = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)]
        for name in names:
            ids[name] = values
    exchange = {
        value for name, values in ids.items() if name not in ("auditentry", "organisations") for value in values
    }
    ids[""] = sorted(exchange, key=int)
    return ids


def _candidates(template: str, name: str, ids: dict[str, list[str]], *, exchange: bool) -> list[str]:
    """Values for one parameter: the ids of its collection, else every id of the exchange (a few
    only on the registry's routes, or its nested resources would square the walk)."""
    if name == "app_label":
        return list(ADMIN_APPS)
    segment = re.search(rf"([\w-]+)/\{{{name}\}}", template)
    collection = segment.group(1) if segment else ""
    if collection in ids:
        return ids[collection]
    return ids[""] if exchange else ids[""][:3]


def get_paths(routes: list[tuple[str, bool]]) -> list[str]:
    ids = _ids_by_collection()
    paths = []
    for template, exchange in routes:
        names = re.findall(r"\{(\w+)\}", template)
        if not names:
            path = "/" + template
            # The exchange's lists may be filtered by tender (the clarifications need one).
            paths += [path, *(f"{path}?tender={pk}" for pk in ids["tenders"] if exchange)]
            continue
        candidates = [_candidates(template, name, ids, exchange=exchange) for name in names]
        for values in itertools.product(*candidates):
            path = template
            for name, value in zip(names, values, strict=True):
                path = path.replace(f"{{{name}}}", value, 1)
            paths.append("/" + path)
    return paths


def _content(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", "replace")


def _next_pages(response, text: str) -> list[str]:
    """Further pages of a JSON list (DRF's `next`, OCDS's `links.next`)."""
    if "json" not in response.get("Content-Type", ""):
        return []
    try:
        body = json.loads(text)
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    following = body.get("next") or (body.get("links") or {}).get("next")
    return [following] if isinstance(following, str) else []


def read_everything(client: Client, paths: list[str]) -> dict[str, object]:
    """GET every path (and the following pages of lists): what leaked where, what was read."""
    seen: dict[str, object] = {"leaks": {}, "read": {}, "errors": []}
    queue = list(paths)
    pages = 0
    while queue:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code >= 500:
            seen["errors"].append(f"{path}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        text = _content(response)
        seen["read"][path] = text
        if found := leaks(text):
            seen["leaks"][path] = found
        if pages < MAX_PAGES and (following := _next_pages(response, text)):
            pages += 1
            queue += following
    return seen


def test_no_one_but_the_bidder_learns_a_sealed_price_or_document(world, caplog, capsys):
    routes = get_routes()
    exchange = {template for template, of_exchange in routes if of_exchange}
    # The walk found the exchange's API, admin, pages and OCDS routes.
    assert "api/v1/bids/{pk}/sealed-content/" in exchange
    assert "admin/marketplace/bid/{object_id}/change/" in exchange
    assert ("admin/audit/auditentry/", False) in routes
    assert any(template.startswith("tenders/") for template in exchange)
    assert any(template.startswith("api/ocds/") for template in exchange)
    paths = get_paths(routes)

    for role, user in world["readers"].items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        seen = read_everything(client, paths)
        assert seen["errors"] == [], f"{role}: pages failed, so they could not be checked: {seen['errors']}"
        assert seen["leaks"] == {}, f"{role} learns sealed bids: {seen['leaks']}"
        shown = " ".join(seen["read"].values())
        assert len(seen["read"]) > 20, f"{role} read almost nothing: the walk is broken"
        # The control: an opened tender's price is public, and the walk reaches where it is shown.
        assert hundredths_text(CONTROL_PRICE) in shown or format_fen(CONTROL_PRICE) in shown, role
        for bid in world["secret_bids"]:  # the tenders of sealed bids are public: really read
            assert f"/api/v1/tenders/{bid.tender_id}/" in seen["read"], role
            assert f"/tenders/{bid.tender_id}/" in seen["read"], role
            assert f"/api/ocds/tenders/{bid.tender_id}/releases/" in seen["read"], role
            if role == "operator":
                assert f"/admin/marketplace/bid/{bid.pk}/change/" in seen["read"]

    capsys.readouterr()
    call_command("export_ocds", "--out", "-")
    export = capsys.readouterr().out
    assert hundredths_text(CONTROL_PRICE) in export, "the export holds no opened bids: the control failed"
    assert leaks(export) == []

    audit = " ".join(json.dumps(row.before) + json.dumps(row.after) for row in AuditEntry.objects.all())
    assert leaks(audit) == []
    assert leaks(" ".join(Release.objects.values_list("data", flat=True))) == []
    stored = json.dumps(list(IdempotencyRecord.objects.values_list("response_body", flat=True)))
    assert IdempotencyRecord.objects.count() == 2
    assert leaks(stored) == []
    assert leaks(" ".join(str(message.message()) for message in mail.outbox)) == []
    records = [*caplog.get_records("setup"), *caplog.records]
    assert len(records) > 0
    assert leaks(" ".join(f"{caplog.handler.format(record)} {record.args!r}" for record in records)) == []


def test_the_bidder_sees_its_own_secrets_which_proves_the_search(world):
    client = Client()
    found = []
    for user in (world["bidder"], world["second_bidder"]):
        client.force_login(user)
        for bid in world["secret_bids"]:
            response = client.get(f"/api/v1/bids/{bid.pk}/sealed-content/")
            if response.status_code == 200:
                found += leaks(response.content.decode())
            else:
                assert response.status_code == 404  # the other bidder's bid
    assert set(found) == {f"price {price}" for price in SECRETS} | {f"document {name}" for name in SECRETS.values()}


def test_the_walk_covers_the_admin_of_every_exchange_model():
    templates = {template for template, _exchange in get_routes()}
    for model in admin.site._registry:
        if model._meta.app_label == "marketplace":
            name = model._meta.model_name
            assert f"admin/marketplace/{name}/" in templates
            assert f"admin/marketplace/{name}/{{object_id}}/change/" in templates
