from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from offers import demo as offers_demo
from orders import demo as orders_demo
from partners import demo as partners_demo

ACCOUNTS = [
    ("alice@northwind.example", "partner member, Northwind Resellers (enterprise)"),
    ("sam@northwind.example", "partner supervisor, Northwind Resellers (enterprise)"),
    ("bob@contoso.example", "partner member, Contoso Partners (smb)"),
    ("agent@vendor.example", "vendor agent, assigned to enterprise"),
    ("admin@vendor.example", "vendor admin (superuser)"),
    ("carol@customer.example", "end customer"),
]


class Command(BaseCommand):
    help = "Create or repair the demo data set (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            partners = partners_demo.seed()
            offers = offers_demo.seed(partners)
            orders_demo.seed(partners, offers)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo accounts (password: {partners_demo.DEMO_PASSWORD}):")
        for email, what in ACCOUNTS:
            self.stdout.write(f"  {email:<28} {what}")
