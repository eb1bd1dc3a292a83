"""pmPayment (GovConnect) through its XBezahldienste interface.

pmPayment offers the XBezahldienste REST interface (token by client credentials, then
``paymenttransaction/{originatorId}/{endPointId}``), as aivot-digital/gover connects to it; this
module is that protocol with pmPayment's hosts filled in, and the municipality's AGS as the
endpoint when no other endpoint is given (the standard names the AGS as an example of it).

pmPayment's older form interface (``payment/secure`` with a hash over AGS, amount, procedure,
purpose and the two URLs) is not spoken here: its only public description is other projects'
code, it hands out no transaction id at the start and documents no status codes but success.
"""

from __future__ import annotations

from collections.abc import Mapping

from .xbezahldienste import XBezahldienste
from .xbezahldienste import build as build_xbezahldienste

HOSTS = {"production": "https://payment.govconnect.de", "test": "https://payment-test.govconnect.de"}


def build(key: str, options: Mapping[str, str]) -> XBezahldienste:
    host = HOSTS["test" if str(options.get("test", "")).lower() in {"1", "true", "yes"}
                 else "production"]
    return build_xbezahldienste(key, {
        "base_url": f"{host}/", "token_url": f"{host}/oauth/token",
        "endpoint_id": str(options.get("ags", "")),
        **{name: str(value) for name, value in options.items() if value not in ("", None)}})
