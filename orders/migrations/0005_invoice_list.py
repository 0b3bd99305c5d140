"""The invoices list: its sort and filter indexes, every invoice with a due date, and the
invoice totals per organisation, owner, payment state, currency and month."""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models
from django.db.models import Case, Count, F, Sum, Value, When
from django.db.models.functions import TruncMonth


def fill_due_dates(apps, schema_editor):
    invoice_model = apps.get_model("orders", "Invoice")
    invoice_model.objects.filter(due_date__isnull=True).update(due_date=F("invoice_date"))


def build_summaries(apps, schema_editor):
    """The invoice totals of what is already synced; the sync keeps them from here on."""
    invoice_model = apps.get_model("orders", "Invoice")
    summary_model = apps.get_model("orders", "InvoiceSummary")
    rows = (
        invoice_model.objects.order_by()
        .annotate(
            month=TruncMonth("invoice_date"),
            payment_state=Case(When(balance__gt=0, then=Value("unpaid")), default=Value("paid")),
        )
        .values("organisation_id", "owner", "payment_state", "currency", "month")
        .annotate(count=Count("pk"), amount=Sum("amount"), balance=Sum("balance"))
    )
    summary_model.objects.bulk_create(summary_model(**row) for row in rows)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0004_amendments'),
        ('partners', '0004_demo_zuora_ids'),
    ]

    operations = [
        migrations.CreateModel(
            name='InvoiceSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('owner', models.CharField(choices=[('partner', 'Partner organisation'), ('end_customer', 'End customer')], max_length=16)),
                ('payment_state', models.CharField(choices=[('paid', 'Paid'), ('unpaid', 'Unpaid')], max_length=8)),
                ('currency', models.CharField(max_length=3)),
                ('month', models.DateField(help_text="The first day of the invoices' month.")),
                ('count', models.PositiveIntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16)),
                ('balance', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16)),
            ],
        ),
        migrations.RunPython(fill_due_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='invoice',
            name='due_date',
            field=models.DateField(verbose_name='due date'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'invoice_date', 'id'], name='invoice_org_date'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'due_date', 'id'], name='invoice_org_due'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'amount', 'id'], name='invoice_org_amount'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'balance', 'id'], name='invoice_org_balance'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'number', 'id'], name='invoice_org_number'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('balance__gt', 0)), fields=['organisation', 'invoice_date', 'id'], name='invoice_org_unpaid_date'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'owner', 'invoice_date', 'id'], name='invoice_org_owner_date'),
        ),
        migrations.AddField(
            model_name='invoicesummary',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoice_summaries', to='partners.partnerorganisation', verbose_name='partner organisation'),
        ),
        migrations.AddConstraint(
            model_name='invoicesummary',
            constraint=models.UniqueConstraint(fields=('organisation', 'owner', 'payment_state', 'currency', 'month'), name='invoice_summary_once'),
        ),
        migrations.RunPython(build_summaries, migrations.RunPython.noop),
    ]
