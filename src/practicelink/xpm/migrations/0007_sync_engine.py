"""The sync engine: outcome per step, deferred runs, and events that name a generic subject."""

from django.db import migrations, models


def subjects_from_members(apps, schema_editor):
    """Old events named a member and/or a staff UUID: they become the event's subject."""
    SyncEvent = apps.get_model("xpm", "SyncEvent")
    Staff = apps.get_model("xpm", "Staff")
    names = dict(Staff.objects.values_list("uuid", "name"))
    for event in SyncEvent.objects.select_related("member").iterator():
        if event.member_id is not None:
            event.subject_kind = "member"
            event.subject_id = event.member_id
            event.subject_label = event.member.name
        elif event.action.startswith("catalogue_"):
            event.subject_kind = "catalogue"
            event.subject_label = event.after.get("name") or event.before.get("name", "")
        else:
            event.subject_kind = "staff"
            event.subject_label = names.get(event.staff_uuid, "")
        event.subject_xpm_id = event.staff_uuid
        event.step = "catalogue" if event.action.startswith("catalogue_") else "staff"
        event.key = f"{event.step}|{event.action}|{event.pk}"
        event.save()


class Migration(migrations.Migration):
    dependencies = [
        ("team", "0001_initial"),
        ("xpm", "0006_dispatcher_lease"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="resume_at",
            field=models.DateTimeField(
                blank=True, help_text="A deferred run resumes at this time.", null=True
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="steps",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Outcome per step name, in the order the steps ran, e.g. "
                '{"staff": "succeeded", "catalogue": "deferred"}.',
            ),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("deferred", "Waiting for XPM's rate limit"),
                    ("succeeded", "Succeeded"),
                    ("partly_failed", "Partly failed"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="syncevent",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("done", "Done"),
                    ("planned", "Would do (preview)"),
                    ("suggested", "Suggested"),
                    ("failed", "Failed"),
                    ("skipped", "Not done"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="syncevent",
            name="step",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="syncevent",
            name="subject_kind",
            field=models.CharField(
                choices=[
                    ("member", "Member"),
                    ("staff", "XPM staff"),
                    ("catalogue", "XPM catalogue entry"),
                    ("client", "Client"),
                    ("job", "Job"),
                ],
                default="staff",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="syncevent",
            name="subject_id",
            field=models.BigIntegerField(
                blank=True, help_text="The local record's id (member, client, job…).", null=True
            ),
        ),
        migrations.AddField(
            model_name="syncevent",
            name="subject_xpm_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="syncevent",
            name="subject_label",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="syncevent",
            name="key",
            field=models.CharField(
                default="",
                help_text="Identifies the action within its run: written once.",
                max_length=255,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(subjects_from_members, migrations.RunPython.noop),
        migrations.RemoveField(model_name="syncevent", name="member"),
        migrations.RemoveField(model_name="syncevent", name="staff_uuid"),
        migrations.AddIndex(
            model_name="syncevent",
            index=models.Index(
                fields=["practice", "subject_kind", "subject_id"],
                name="xpm_event_subject",
            ),
        ),
        migrations.AddConstraint(
            model_name="syncevent",
            constraint=models.UniqueConstraint(
                fields=("run", "key"), name="xpm_sync_event_once_per_run"
            ),
        ),
    ]
