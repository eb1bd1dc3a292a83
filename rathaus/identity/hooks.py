"""What identity asks of the layers above it; they provide it at start.

The catalog provides which identity attributes the published services prefill, so that the
sign-in asks BundID for those and no more, without identity importing the catalog.
"""

from __future__ import annotations

from collections.abc import Callable

from rathaus.core.hooks import Hook

# Return the ``identity_attribute`` names of the fields in the published definitions.
identity_fields_in_use: Hook[Callable[[], set[str]]] = Hook("identity.identity_fields_in_use")
