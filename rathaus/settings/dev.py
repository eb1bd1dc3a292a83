"""The embedded default: SQLite, mail kept in a local outbox, development pages switched on."""

import os

from rathaus.payments import peers

from .base import *  # noqa: F403
from .base import RATHAUS_CREDITOR, RATHAUS_PAYEE, VAR_DIR, env_bool

SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
DEBUG = env_bool("RATHAUS_DEBUG", False)
EMAIL_BACKEND = "rathaus.notifications.backends.OutboxBackend"
RATHAUS_DEV_TOOLS = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
RATHAUS_BUNDID_SIMULATOR = env_bool("RATHAUS_BUNDID_SIMULATOR", True)
# The embedded demo shows bank transfer with an example account (not a real one) unless the
# town's is set.
RATHAUS_PAYEE = {**RATHAUS_PAYEE, "iban": RATHAUS_PAYEE["iban"] or "DE02120300000000202051"}
# The cash office's direct debits are collected to the same example account.
RATHAUS_CREDITOR = {**RATHAUS_CREDITOR, "iban": RATHAUS_CREDITOR["iban"] or RATHAUS_PAYEE["iban"]}

# The embedded demo pays online through the local payment peers that ``./rathaus.sh start``
# runs beside the portal (``python -m rathaus.payments.peers``: test pages that take no money),
# unless the environment configures real providers (docs/payments.md, "The demo").
RATHAUS_PAYMENT_PEERS = os.environ.get("RATHAUS_PAYMENT_PEERS", "127.0.0.1:8100")
if not os.environ.get("RATHAUS_PAYMENT_PROVIDERS") and RATHAUS_PAYMENT_PEERS:
    RATHAUS_PAYMENT_PROVIDERS = peers.providers(f"http://{RATHAUS_PAYMENT_PEERS}")
