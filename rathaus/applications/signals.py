"""What the application process tells the layers above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the submit transaction with ``submission``, ``channel`` (a FilingChannel value:
# "online", "counter", "phone") and ``filed_by`` (the member of staff who filed it for a caller
# or visitor, else None): a receiver's error undoes the submit. rathaus.cases opens the case
# with it (decisions 0020, 0027).
submission_created = Signal()
