"""API tokens moved from DRF's authtoken (keys in plain text) to django-rest-knox (digests only).

`rest_framework.authtoken` left INSTALLED_APPS, so nothing would ever remove its table: drop it,
with the plain-text keys in it. Clients sign in again for a knox token.
"""

from django.db import migrations


def drop_authtoken_table(apps, schema_editor):
    if "authtoken_token" in schema_editor.connection.introspection.table_names():
        schema_editor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(drop_authtoken_table, migrations.RunPython.noop)]
