"""`python manage.py reconcile_payments`

Compares every milestone payment's entries with its milestone's amount and, for card payments,
with Stripe's PaymentIntent and refunds, and lists each difference on a line. Exits with an error
when there is any, so a scheduler notices; reads only. The daily beat task runs the same check.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace import services
from portal.errors import DomainError


class Command(BaseCommand):
    help = "List differences between the portal's payment rows and Stripe's objects."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            differences = services.payments_reconcile()
        except DomainError as error:
            raise CommandError(error.message) from error
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"{len(differences)} difference(s) between our payments and Stripe.")
        self.stdout.write("Payments reconcile: no differences.")
