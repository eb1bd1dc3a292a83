"""What payments tells the layers above it (provided at start, docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable

from rathaus.core.hooks import Hook

# fee_changed(submission_id=, fee=, detail=): the fee of a submission is now "due", "paid" or
# "refunded" (cases.models.FeeState); called inside the transaction that changed the payment.
# Provided by staff, which passes it to the case (cases.services.record_fee_state).
fee_changed: Hook[Callable[..., object]] = Hook("payments.fee_changed")
