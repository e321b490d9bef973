"""The columns of each kind of import file: canonical English names, the Chinese labels also
accepted as headers (the first is the one the Chinese template uses), and which are required.

The page lists them and the templates are made from them, so this is the one place they live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from registry.imports.models import ImportKind
from registry.imports.reading import Column, Schema

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ORGANISATIONS = Schema(
    columns=(
        Column("name", ("名称", "单位名称", "企业名称", "机构名称"), required=True),
        Column("kind", ("类型", "机构类型", "主体类型", "单位类型"), required=True),
        Column("credit_code", ("统一社会信用代码", "信用代码"), required=True),
        Column("region", ("行政区划代码", "地区代码", "所在地区代码", "region_code"), required=True),
        Column("status", ("核验状态", "状态")),
        Column("legal_representative", ("法定代表人",)),
        Column(
            "legal_representative_id_number",
            ("法定代表人身份证号", "法定代表人身份证号码", "法定代表人公民身份号码"),
            sensitive=True,
        ),
        Column("registered_capital_yuan", ("注册资本(元)", "注册资本", "registered_capital")),
        Column("founded_on", ("成立日期",)),
        Column("address", ("地址", "住所", "注册地址")),
        Column("size_class", ("企业规模", "规模")),
        Column("annotator_headcount", ("标注人员数", "标注人员数量")),
        Column("iso27001_certified", ("ISO27001认证", "通过ISO27001认证")),
        Column("mlps_level", ("等保等级", "网络安全等级保护等级")),
        Column("description", ("简介", "描述")),
    )
)

PEOPLE = Schema(
    columns=(
        Column("name", ("姓名",), required=True),
        Column("id_number", ("身份证号", "身份证号码", "公民身份号码"), required=True, sensitive=True),
        Column("region", ("行政区划代码", "地区代码", "region_code")),
        Column("skills", ("技能", "技能特长", "专长")),
    )
)

CERTIFICATES = Schema(
    columns=(
        Column("holder_id_number", ("持证人身份证号", "身份证号", "身份证号码", "公民身份号码"), sensitive=True),
        Column("person_id", ("人员编号",)),
        Column("holder_name", ("持证人姓名", "姓名")),
        Column("occupation", ("职业", "职业(工种)", "工种"), required=True),
        Column("level", ("等级", "技能等级", "职业技能等级"), required=True),
        Column("number", ("证书编号",), required=True),
        Column("issuer_credit_code", ("发证机构统一社会信用代码", "发证机构信用代码", "发证机构代码"), required=True),
        Column("issued_on", ("发证日期",), required=True),
        Column("expires_on", ("有效期至", "到期日期")),
    ),
    one_of=(("holder_id_number", "person_id"),),
)

SCHEMAS: dict[str, Schema] = {
    ImportKind.ORGANISATIONS: ORGANISATIONS,
    ImportKind.PEOPLE: PEOPLE,
    ImportKind.CERTIFICATES: CERTIFICATES,
}

# What each column takes, for the upload page.
HELP: dict[str, StrOrPromise] = {
    "name": _("The organisation's registered name, or the person's name as on the identity card."),
    "kind": _(
        "agency, vendor, enterprise, third_party, voucher_authority or base_operator "
        "(or the Chinese name, e.g. 数据标注企业)."
    ),
    "credit_code": _("18 characters; the check character is verified."),
    "region": _("6-digit administrative division code (GB/T 2260), e.g. 510100."),
    "status": _("submitted (the default: operators verify later) or verified."),
    "legal_representative": _("The legal representative's name."),
    "legal_representative_id_number": _("Resident identity number, kept only hashed and masked; needs the name."),
    "registered_capital_yuan": _("In yuan, e.g. 5000000 or 5,000,000.00."),
    "founded_on": _("Date, YYYY-MM-DD."),
    "address": _("Text."),
    "size_class": _("micro, small, medium or large (微型, 小型, 中型, 大型)."),
    "annotator_headcount": _("Whole number."),
    "iso27001_certified": _("yes or no (是/否)."),
    "mlps_level": _("0 to 5 (0: not graded)."),
    "description": _("Text, at most 5,000 characters."),
    "id_number": _("Resident identity number, kept only hashed and masked."),
    "skills": _("Separated by ； or ;."),
    "holder_id_number": _("The holder's resident identity number; the person must be in the talent pool."),
    "person_id": _("Or the holder's talent-pool id."),
    "holder_name": _("Optional; must match the talent pool."),
    "occupation": _("ai_trainer or data_annotator (人工智能训练师, 数据标注员)."),
    "level": _("1 to 5, 一级 to 五级, or 高级技师, 技师, 高级工, 中级工, 初级工."),
    "number": _("The certificate number, unique for its issuer."),
    "issuer_credit_code": _("The credit code of the issuing organisation, which must be registered."),
    "issued_on": _("Date, YYYY-MM-DD, not in the future."),
    "expires_on": _("Date, YYYY-MM-DD, after the issue date; empty when it does not expire."),
}
