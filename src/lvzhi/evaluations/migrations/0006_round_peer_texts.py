from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0005_alter_datavalue_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="round",
            name="peer_texts",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
