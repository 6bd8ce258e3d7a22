"""Thin Celery tasks: they take no model instances and are safe to run twice (the services claim)."""

from celery import shared_task

from notifications.services import digests_send, reminders_sweep


@shared_task(name="notifications.sweep", acks_late=True, ignore_result=True)
def sweep():
    result = reminders_sweep()
    return {"overdue": result.overdue, "claimed": result.claimed, "batches": result.batches}


@shared_task(name="notifications.send_digests", acks_late=True, ignore_result=True)
def send_digests():
    result = digests_send()
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed, "empty": result.empty}
