# The beat job's scan for changes and cancels to apply on their effective date.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0003_subscription_trail'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('applied_at__isnull', True), models.Q(('type', 'new'), _negated=True)), fields=['effective_date'], name='order_change_unapplied'),
        ),
    ]
