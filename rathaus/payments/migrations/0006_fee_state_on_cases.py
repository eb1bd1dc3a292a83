"""Tell the cases of payments made before the case knew its fee where the fee stands."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    Payment = apps.get_model("payments", "Payment")
    Case = apps.get_model("cases", "Case")
    fee = {"paid": "paid", "refunded": "refunded"}
    for submission_id, state in Payment.objects.filter(submission__isnull=False).order_by(
            "created_at").values_list("submission_id", "state"):
        Case.objects.filter(submission_id=submission_id).update(fee=fee.get(state, "due"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_direct_debits"), ("cases", "0008_fee_state")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
