"""What the application process tells the layers above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the submit transaction with ``submission``: a receiver's error undoes the submit.
# rathaus.cases opens the case with it (decision 0020).
submission_created = Signal()
