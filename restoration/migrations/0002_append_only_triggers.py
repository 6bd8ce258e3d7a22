"""On PostgreSQL, the case history and the fund ledger refuse UPDATE and DELETE in the database."""

from django.db import migrations

from restoration.models.append_only import append_only_trigger_sql

TABLES = ["restoration_caseevent", "restoration_fundentry"]


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
    dependencies = [("restoration", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
