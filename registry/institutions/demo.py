"""Demo supply-demand matching for `seed_demo`: the demo third-party institution offers two
categories, and the demo enterprise has one open need. Idempotent."""

from __future__ import annotations

from portal.accounts.models import User
from registry.bases.demo import registry_demo_organisation
from registry.institutions import services
from registry.institutions.models import InstitutionService, ServiceCategory, ServiceNeed
from registry.roles import managing_role

INSTITUTION = "杭州数源合规咨询有限公司"
ENTERPRISE = "深圳南山智驾科技有限公司"
OFFERS = {
    ServiceCategory.COMPLIANCE: "数据出境安全评估、个人信息保护影响评估、标注数据合规审查。",
    ServiceCategory.LEGAL_AUDIT: "数据标注项目合同审查与法律审计。",
}
NEED_TITLE = "智能驾驶训练数据合规评估"
NEED_DESCRIPTION = "我司计划将部分道路场景点云标注数据用于境外联合研发，需要第三方机构开展数据出境合规评估并出具意见。"


def seed(*, operator: User) -> int:
    created = 0
    institution = registry_demo_organisation(INSTITUTION)
    if institution is not None:
        for category, description in OFFERS.items():
            if not InstitutionService.objects.filter(organisation=institution, category=category).exists():
                services.institution_service_offer(
                    actor=operator, organisation=institution, category=category, description=description
                )
                created += 1
    enterprise = registry_demo_organisation(ENTERPRISE)
    if (
        enterprise is not None
        and enterprise.verified
        and not ServiceNeed.objects.filter(organisation=enterprise, title=NEED_TITLE).exists()
    ):
        # Posted by the enterprise's own buyer when the demo has one, else by the operator on its behalf.
        buyer = enterprise.memberships.filter(role=managing_role(enterprise.kind)).select_related("user").first()
        services.need_post(
            actor=buyer.user if buyer else operator,
            organisation=enterprise,
            category=ServiceCategory.COMPLIANCE,
            region_code=enterprise.region_id,
            title=NEED_TITLE,
            description=NEED_DESCRIPTION,
            budget_fen=80_000_00,
        )
        created += 1
    return created
