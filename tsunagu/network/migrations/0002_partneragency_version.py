import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="partneragency",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="版"),
        ),
        migrations.AddField(
            model_name="partneragency",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, default=django.utils.timezone.now, verbose_name="作成日時"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="partneragency",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="更新日時"),
        ),
    ]
