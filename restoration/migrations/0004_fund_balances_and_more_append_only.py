"""Fill the new running balances from the ledger, and make payments and disbursements append-only
on PostgreSQL like the case history and the fund ledger."""

from django.db import migrations
from django.db.models import Sum

from restoration.models.append_only import append_only_trigger_sql

TABLES = ["restoration_receivablepayment", "restoration_projectdisbursement"]


def balances_from_ledger(apps, schema_editor):
    FundAccount = apps.get_model("restoration", "FundAccount")
    for account in FundAccount.objects.all():
        total = account.entries.aggregate(total=Sum("amount"))["total"] or 0
        FundAccount.objects.filter(pk=account.pk).update(balance=total)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        forward, _reverse = append_only_trigger_sql(table)
        schema_editor.execute(forward, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        _forward, reverse = append_only_trigger_sql(table)
        schema_editor.execute(reverse, params=None)


class Migration(migrations.Migration):
    dependencies = [("restoration", "0003_annualreport_annualreportline_fundpolicy_and_more")]
    operations = [
        migrations.RunPython(balances_from_ledger, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
