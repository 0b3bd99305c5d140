"""Orders name their subscription (a change or cancel the one it changes, with what it replaced
and when it takes effect); schedules name the order that planned them and the one that
superseded them; customers carry their active subscriptions and unpaid balance; the customers
list's sort and search indexes."""

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


# The customers list's search: pg_trgm GIN indexes on UPPER(col), what ``icontains`` compiles to
# on PostgreSQL, so a term that matches nothing costs no more than one that matches. Not in
# Meta.indexes: SQLite (the embedded demo) has no GIN.
TRIGRAM_INDEXES = [
    ("customer_company_trgm", "company_name"),
    ("customer_first_name_trgm", "first_name"),
    ("customer_last_name_trgm", "last_name"),
    ("customer_email_trgm", "email"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "orders_customer" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def link_orders_and_count(apps, schema_editor):
    """Each existing (new) order names the subscription it made, and plans its schedules; each
    customer's aggregates are counted once from what is there."""
    subscription_model = apps.get_model("orders", "Subscription")
    order_model = apps.get_model("orders", "Order")
    schedule_model = apps.get_model("orders", "Schedule")
    customer_model = apps.get_model("orders", "Customer")
    invoice_model = apps.get_model("orders", "Invoice")
    for subscription in subscription_model.objects.only("id", "order_id").iterator():
        order_model.objects.filter(pk=subscription.order_id).update(subscription=subscription.pk)
        schedule_model.objects.filter(subscription=subscription.pk).update(
            order=subscription.order_id
        )
    active = (
        subscription_model.objects.filter(customer=OuterRef("pk"), status="active")
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    unpaid = (
        invoice_model.objects.filter(customer=OuterRef("pk"), balance__gt=0)
        .order_by()
        .values("customer")
        .annotate(total=Sum("balance"))
        .values("total")
    )
    customer_model.objects.update(
        active_subscriptions=Coalesce(Subquery(active), 0),
        unpaid_balance=Coalesce(Subquery(unpaid), Decimal(0)),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('offers', '0005_cancellation_window'),
        ('orders', '0002_remote_ids_and_invoices'),
        ('partners', '0004_demo_zuora_ids'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='schedule',
            name='schedule_once_per_kind_and_date',
        ),
        migrations.AddField(
            model_name='customer',
            name='active_subscriptions',
            field=models.PositiveIntegerField(default=0, verbose_name='active subscriptions'),
        ),
        migrations.AddField(
            model_name='customer',
            name='unpaid_balance',
            field=models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14, verbose_name='unpaid balance'),
        ),
        migrations.AddField(
            model_name='order',
            name='cancel_reason',
            field=models.CharField(blank=True, max_length=500, verbose_name='reason'),
        ),
        migrations.AddField(
            model_name='order',
            name='applied_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='applied at'),
        ),
        migrations.AddField(
            model_name='order',
            name='effective_date',
            field=models.DateField(blank=True, null=True, verbose_name='effective date'),
        ),
        migrations.AddField(
            model_name='order',
            name='previous_offer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='offers.offer'),
        ),
        migrations.AddField(
            model_name='order',
            name='previous_quantity',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='order',
            name='subscription',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='orders.subscription', verbose_name='subscription'),
        ),
        migrations.AddField(
            model_name='schedule',
            name='order',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='schedules', to='orders.order'),
        ),
        migrations.AddField(
            model_name='schedule',
            name='superseded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_schedules', to='orders.order'),
        ),
        migrations.AddField(
            model_name='subscription',
            name='cancellation_date',
            field=models.DateField(blank=True, null=True, verbose_name='cancellation date'),
        ),
        migrations.AddField(
            model_name='subscription',
            name='zuora_version',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='Zuora version'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['organisation', 'last_name', 'id'], name='customer_org_contact'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['organisation', 'email', 'id'], name='customer_org_email'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['organisation', 'active_subscriptions', 'id'], name='customer_org_active_subs'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['organisation', 'unpaid_balance', 'id'], name='customer_org_unpaid'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['organisation', 'created_at', 'id'], name='customer_org_created'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['subscription', '-created_at'], name='order_subscription_trail'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('type', 'new'), models.Q(('effective_date__isnull', False), ('subscription__isnull', False)), _connector='OR'), name='order_change_names_its_subscription'),
        ),
        migrations.AddConstraint(
            model_name='schedule',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_by__isnull', True)), fields=('subscription', 'kind', 'date'), name='schedule_once_per_kind_and_date'),
        ),
        migrations.RunPython(link_orders_and_count, migrations.RunPython.noop),
        TrigramExtension(),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.RemoveField(
            model_name='subscription',
            name='order',
        ),
    ]
