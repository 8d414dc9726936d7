from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0006_round_peer_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="datavalue",
            name="sample",
            field=models.JSONField(blank=True, null=True, verbose_name="样本"),
        ),
    ]
