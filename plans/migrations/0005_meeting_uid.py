"""Each meeting gets a stable calendar UID (plans/calendar.py): added empty, filled
with a new UUID for every existing meeting (and its saved versions, with the
meeting's UID), then made unique and required."""

import uuid

from django.db import migrations, models


def give_every_meeting_a_uid(apps, schema_editor):
    Meeting = apps.get_model("plans", "Meeting")
    HistoricalMeeting = apps.get_model("plans", "HistoricalMeeting")
    meetings = list(Meeting.objects.filter(uid__isnull=True).only("pk"))
    for meeting in meetings:
        meeting.uid = uuid.uuid4()
    Meeting.objects.bulk_update(meetings, ["uid"], batch_size=500)
    uids = dict(Meeting.objects.values_list("pk", "uid"))
    rows = list(HistoricalMeeting.objects.filter(uid__isnull=True).only("history_id", "id"))
    for row in rows:
        # A deleted meeting's versions get one UID of their own.
        row.uid = uids.setdefault(row.id, uuid.uuid4())
    HistoricalMeeting.objects.bulk_update(rows, ["uid"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0004_section_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmeeting",
            name="uid",
            field=models.UUIDField(null=True, editable=False, verbose_name="kalender-UID"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="uid",
            field=models.UUIDField(null=True, editable=False, verbose_name="kalender-UID"),
        ),
        migrations.RunPython(give_every_meeting_a_uid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalmeeting",
            name="uid",
            field=models.UUIDField(
                db_index=True, default=uuid.uuid4, editable=False, verbose_name="kalender-UID"
            ),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="uid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="kalender-UID"
            ),
        ),
    ]
