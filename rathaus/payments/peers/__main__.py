"""Serve the local payment peers beside a development portal.

``python -m rathaus.payments.peers --port 8100`` serves GiroCheckout below ``/girocheckout``
and an XBezahldienste platform below ``/xbezahldienste``, with the credentials given here
(the defaults are the ones docs/payments.md shows for a development setting).
"""

from __future__ import annotations

import argparse
from wsgiref.simple_server import make_server

from . import _Server, mount
from .girocheckout import GiroCheckoutPeer
from .xbezahldienste import XBezahldienstePeer


def main() -> None:
    parser = argparse.ArgumentParser(description="Local test peers of payment providers")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--giro-merchant-id", default="1234567")
    parser.add_argument("--giro-project-id", default="1234")
    parser.add_argument("--giro-password", default="secure")
    parser.add_argument("--xbd-client-id", default="rathaus")
    parser.add_argument("--xbd-client-secret", default="local-secret")
    parser.add_argument("--xbd-originator-id", default="rathaus")
    parser.add_argument("--xbd-endpoint-id", default="gebuehren")
    args = parser.parse_args()
    app = mount({
        "/xbezahldienste": XBezahldienstePeer(
            client_id=args.xbd_client_id, client_secret=args.xbd_client_secret,
            originator_id=args.xbd_originator_id, endpoint_id=args.xbd_endpoint_id),
        "": GiroCheckoutPeer(merchant_id=args.giro_merchant_id,
                             project_id=args.giro_project_id, password=args.giro_password)})
    with make_server(args.host, args.port, app, server_class=_Server) as server:
        print(f"Local payment peers (test pages, no money is taken) on "
              f"http://{args.host}:{args.port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
