from django.db import migrations, models

from practicelink.proposals.recurrence import Schedule, period_months, periods


def fill(apps, schema_editor):
    """The next period to come of the recurring services saved before the field existed."""
    Service = apps.get_model("proposals", "Service")
    Occurrence = apps.get_model("proposals", "Occurrence")
    recurring = Service.objects.exclude(frequency="").filter(
        ended_at__isnull=True, first_period_start__isnull=False
    )
    for service in recurring:
        schedule = Schedule(
            months=period_months(service.frequency, service.interval_months),
            first_start=service.first_period_start,
            ends_on=service.ends_on,
            count=service.occurrences,
        )
        recorded = Occurrence.objects.filter(job__service=service).count()
        following = next((p for p in periods(schedule) if p.number > recorded), None)
        service.next_period_start = following.start if following else None
        service.save(update_fields=["next_period_start"])


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0007_recurrence"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="next_period_start",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
