from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import gettext_lazy as _

from marketplace import demo as marketplace_demo
from marketplace import demo_acceptance
from monitoring import demo as monitoring_demo
from portal.accounts.models import User
from registry import demo as registry_demo
from registry.bases import demo as bases_demo
from registry.institutions import demo as institutions_demo
from registry.showcase import demo as showcase_demo
from registry.talent import demo as talent_demo
from vouchers import demo as vouchers_demo

# Published in the README and printed below: only ever used on demo databases.
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105

DEMO_USERS = {
    "operator": ("平台运营员", _("platform operator")),
    "agency": ("王采购", _("agency staff (Chengdu)")),
    "vendor": ("李标注", _("vendor staff (Chengdu)")),
    "vendor2": ("陈标注", _("vendor staff (Hefei)")),
    "buyer": ("赵企业", _("enterprise buyer (Shenzhen)")),
    "officer": ("孙券务", _("voucher officer (Langfang)")),
    "regulator": ("周监管", _("regulator (Sichuan)")),
    "national": ("吴监管", _("regulator (nationwide)")),
    "expert": ("郑专家", _("expert")),
    # More experts who sign in, so that whoever the draw picks for the demo committee can
    # (registry.talent.demo.SIGN_IN_EXPERTS).
    "expert2": ("何文博", _("expert")),
    "expert3": ("罗雅琴", _("expert")),
    "expert4": ("梁振宇", _("expert")),
    "expert5": ("宋婉清", _("expert")),
    "expert6": ("唐明远", _("expert")),
    "expert7": ("许佳宁", _("expert")),
}


class Command(BaseCommand):
    help = "Load demo organisations and users for every role (idempotent) and print the sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is off for this database (it creates users with a published password). "
                "Set DEMO_DATA_ALLOWED=1 to load it anyway."
            )
        # The demo's notifications stay in the portal: e-mailing them would flood the console
        # (the embedded mode's mail backend) with dozens of messages before the sign-ins below.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            users = {username: self._user(username, name) for username, (name, _role) in DEMO_USERS.items()}
            operator = users["operator"]
            created = registry_demo.seed_registry(operator=operator, users=users)
            # Each later seeder finds what the ones before it created (organisations, people).
            for seeder in (talent_demo, bases_demo, institutions_demo, showcase_demo):
                created += seeder.seed(operator=operator)
            created += marketplace_demo.seed_marketplace(operator=operator, users=users)
            created += demo_acceptance.seed_acceptance(users=users)
            # After the exchange: a voucher pays part of its enterprise contract, before any payment.
            created += vouchers_demo.seed_vouchers(users=users)
            # Last: the reports and red flags read what the exchange holds.
            created += monitoring_demo.seed_monitoring(users=users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} records created this run)."))
        self.stdout.write(f"Sign in at http://127.0.0.1:8000/accounts/login/ with password {DEMO_PASSWORD}:")
        for username, (name, role) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<10} {name} — {role}")

    @cached_property
    def _password_hash(self) -> str:
        """Hashed once per run, not once per user (hashing is the slow part): they share it anyway."""
        return make_password(DEMO_PASSWORD)

    def _user(self, username: str, name: str) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"name": name, "email": f"{username}@demo.annotation-portal.localhost"}
        )
        if created:
            user.password = self._password_hash
            if username == "operator":
                user.is_staff = user.is_superuser = True
            user.save()
        return user
