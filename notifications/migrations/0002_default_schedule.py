"""Install the default reminder policy and the beat schedule (editable in the admin afterwards)."""

import json

from django.db import migrations

TASKS = [
    # name, task, every N minutes
    ("提醒扫描 Reminder sweep", "notifications.sweep", 10),
    ("每日摘要发送 Digest delivery", "notifications.send_digests", 10),
]


def install(apps, schema_editor):
    ReminderPolicy = apps.get_model("notifications", "ReminderPolicy")
    ReminderPolicy.objects.get_or_create(pk=1)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in TASKS:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            task=task, defaults={"name": name, "interval": every, "args": json.dumps([]), "enabled": True}
        )


def uninstall(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[task for _, task, _ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
