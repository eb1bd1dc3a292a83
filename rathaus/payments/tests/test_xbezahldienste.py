"""XBezahldienste, end to end against the local payment platform."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from django.core.exceptions import ImproperlyConfigured

from rathaus.payments.peers import mount, running
from rathaus.payments.peers.girocheckout import GiroCheckoutPeer
from rathaus.payments.peers.xbezahldienste import XBezahldienstePeer
from rathaus.payments.providers import pmpayment, xbezahldienste
from rathaus.payments.providers.base import (
    Incoming,
    InvalidMessage,
    OrderItem,
    Outcome,
    PaymentOrder,
    ProviderError,
    RefundNotSupported,
)

from .peer_helpers import Receiver, browser, refused_url, return_of, silent_server

RETURN = "https://rathaus.example/zahlung/zurueck?p=42"


@dataclass
class Scene:
    peer: XBezahldienstePeer
    provider: xbezahldienste.XBezahldienste
    receiver: Receiver

    def order(self, request_id: str = "R-2026-000042-1") -> PaymentOrder:
        return PaymentOrder(
            request_id=request_id, kassenzeichen="5.1234.000042.7", amount_cents=2400,
            purpose="Geburtsurkunde 2 Stueck", description="Geburtsurkunde, 2 Ausfertigungen",
            return_url=RETURN, notify_url="https://rathaus.example/unused",
            items=(OrderItem("Geburtsurkunde", 1200, 2, "1.1100.431000"),))


@pytest.fixture
def scene() -> Iterator[Scene]:
    peer = XBezahldienstePeer(client_id="rathaus", client_secret="s3cret",
                              originator_id="stadt-musterhausen", endpoint_id="standesamt")
    with running(peer) as url:
        provider = xbezahldienste.build("xbd", {
            "base_url": url, "token_url": f"{url}/oauth/token", "client_id": "rathaus",
            "client_secret": "s3cret", "originator_id": "stadt-musterhausen",
            "endpoint_id": "standesamt", "timeout": "3"})
        receiver = Receiver(provider)
        with running(receiver) as receiver_url:
            peer.notify_url = f"{receiver_url}/zahlung/melden/xbd"
            yield Scene(peer, provider, receiver)


def pay(scene: Scene, result: str = "pay", method: str = "CREDITCARD") -> tuple[str, str]:
    started = scene.provider.start(scene.order())
    status, _, page = browser("GET", started.redirect_url)
    assert status == 200
    assert "Local test pay page" in page
    assert "24,00 EUR" in page
    status, location, _ = browser("POST", started.redirect_url,
                                  {"result": result, "method": method})
    assert status == 303
    return started.provider_reference, location


def test_paid_end_to_end(scene: Scene) -> None:
    reference, location = pay(scene, "pay", "PAYPAL")

    [sent] = [t["paymentRequest"] for t in scene.peer.transactions.values()]
    assert sent["requestId"] == "R-2026-000042-1"
    assert (sent["grosAmount"], sent["currency"]) == (24.0, "EUR")
    assert sent["redirectUrl"] == RETURN
    [item] = sent["items"]
    assert (item["quantity"], item["singleNetAmount"], item["totalNetAmount"]) == (2, 12.0, 24.0)
    assert item["reference"] == "1-1100-431000"
    assert item["bookingData"] == {"kassenzeichen": "5.1234.000042.7",
                                   "haushaltsstelle": "1.1100.431000"}

    assert location == RETURN  # the return carries no status ...
    assert scene.provider.parse_return(return_of(location)) is None
    status = scene.provider.fetch_status(request_id="R-2026-000042-1",
                                         provider_reference=reference)  # ... Rathaus asks
    assert (status.outcome, status.amount_cents, status.method) == (Outcome.PAID, 2400, "paypal")
    assert status.provider_reference == reference

    [pushed] = scene.receiver.reports
    assert pushed == status
    assert scene.peer.delivered[0][1] == 200


def test_cancelled_and_failed(scene: Scene) -> None:
    reference, _ = pay(scene, "cancel")
    cancelled = scene.provider.fetch_status(request_id="R-2026-000042-1",
                                            provider_reference=reference)
    assert cancelled.outcome is Outcome.CANCELLED
    assert cancelled.amount_cents is None
    assert cancelled.detail == "CANCELED abgebrochen"

    failed_order = scene.order("R-2026-000042-2")
    started = scene.provider.start(failed_order)
    browser("POST", started.redirect_url, {"result": "fail"})
    failed = scene.provider.fetch_status(request_id="R-2026-000042-2",
                                         provider_reference=started.provider_reference)
    assert failed.outcome is Outcome.FAILED


def test_open_payment_is_pending(scene: Scene) -> None:
    started = scene.provider.start(scene.order())
    assert scene.provider.fetch_status(
        request_id="R-2026-000042-1",
        provider_reference=started.provider_reference).outcome is Outcome.PENDING


def test_a_forged_push_claiming_payment_changes_nothing(scene: Scene) -> None:
    started = scene.provider.start(scene.order())
    forged = {"transactionId": started.provider_reference, "requestId": "R-2026-000042-1",
              "paymentInformation": {"status": "PAYED"}}
    report = scene.provider.parse_notification(
        Incoming("POST", {}, {}, {"content-type": "application/json"},
                 json.dumps(forged).encode()))
    assert report.outcome is Outcome.PENDING  # what the platform says, not what the push says

    with pytest.raises(InvalidMessage, match="names no transaction"):
        scene.provider.parse_notification(Incoming("POST", {}, {}, {}, b'{"status": "PAYED"}'))
    with pytest.raises(ProviderError, match="HTTP 404 UNSPECIFIED: unknown transaction"):
        scene.provider.parse_notification(Incoming("GET", {"transactionId": "nope"}, {}, {}))


def test_replayed_late_and_out_of_order_pushes_read_the_same(scene: Scene) -> None:
    scene.peer.hold = True
    scene.peer.notify_times = 2
    pay(scene)
    assert scene.receiver.reports == []
    assert scene.peer.release(reverse=True) == [200, 200]
    first, second = scene.receiver.reports
    assert first == second
    assert first is not None
    assert first.outcome is Outcome.PAID


def test_wrong_client_secret_is_refused(scene: Scene) -> None:
    with pytest.raises(ProviderError, match=r"token refused, HTTP 401.*invalid_client") as caught:
        replace(scene.provider, client_secret="guess").start(scene.order())
    assert "guess" not in str(caught.value)
    assert scene.peer.transactions == {}


def test_platform_refuses_bad_requests(scene: Scene) -> None:
    wrong_items = replace(scene.order(), items=(OrderItem("Geburtsurkunde", 1200, 1),))
    with pytest.raises(ProviderError, match=r"HTTP 400 CALCULATION_ERROR: items add up"):
        scene.provider.start(wrong_items)
    scene.provider.start(scene.order())
    with pytest.raises(ProviderError, match="HTTP 400 PAYMENT_EXISTS"):
        scene.provider.start(scene.order())  # the same requestId again
    with pytest.raises(ProviderError, match="HTTP 400 NO_VALID_ORIGINATOR_OR_ENDPOINT"):
        replace(scene.provider, endpoint_id="bauamt").start(scene.order("R-2"))
    assert len(scene.peer.transactions) == 1


def test_the_standards_limits_are_kept_before_sending(scene: Scene) -> None:
    with pytest.raises(ProviderError, match="purpose must be at most 27"):
        scene.provider.start(replace(scene.order(), purpose="Gebühr Geburtsurkunde"))  # ü
    with pytest.raises(ProviderError, match="purpose must be at most 27"):
        scene.provider.start(replace(scene.order(), purpose="Geburtsurkunde zwei Stueck x"))
    with pytest.raises(ProviderError, match="requestId"):
        scene.provider.start(scene.order("R/2026/42"))
    assert scene.peer.transactions == {}
    # a description is display text: made to fit, not refused
    started = scene.provider.start(replace(scene.order(), description="Urkunde – für Sie! " * 20))
    sent = scene.peer.transactions[started.provider_reference]["paymentRequest"]
    assert len(sent["description"]) == 250
    assert "–" not in sent["description"]
    assert "für" in sent["description"]


def test_the_platform_wants_a_token(scene: Scene) -> None:
    url = f"{scene.provider.base_url}/paymenttransaction/stadt-musterhausen/standesamt/x"
    status, _, body = browser("GET", url)
    problem = json.loads(body)
    assert (status, problem["functionalCode"]) == (403, "FORBIDDEN")


def test_no_refund_through_the_interface(scene: Scene) -> None:
    assert scene.provider.supports_refund is False
    with pytest.raises(RefundNotSupported):
        scene.provider.refund(request_id="R-1", provider_reference="x", amount_cents=100)


def test_provider_down() -> None:
    options = {"client_id": "c", "client_secret": "s", "originator_id": "o",
               "endpoint_id": "e", "timeout": "0.5"}
    order = PaymentOrder("R-1", "K-1", 500, "Meldebescheinigung", "", "https://r.example/",
                         "https://r.example/n")
    url = refused_url()
    with pytest.raises(ProviderError, match="cannot reach"):
        xbezahldienste.build("xbd", {**options, "base_url": url,
                                     "token_url": f"{url}/oauth/token"}).start(order)
    with silent_server() as url, pytest.raises(ProviderError, match=r"within 0\.5 s"):
        xbezahldienste.build("xbd", {**options, "base_url": url,
                                     "token_url": f"{url}/oauth/token"}).start(order)


def test_configuration() -> None:
    with pytest.raises(ImproperlyConfigured, match="token_url, client_id"):
        xbezahldienste.build("xbd", {"base_url": "https://p.example/", "client_secret": "x",
                                     "originator_id": "o", "endpoint_id": "e"})
    provider = xbezahldienste.build("xbd", {
        "base_url": "https://p.example/", "token_url": "https://p.example/t",
        "client_id": "c", "client_secret": "very-secret", "originator_id": "o",
        "endpoint_id": "e"})
    assert "very-secret" not in repr(provider)


def test_pmpayment_speaks_xbezahldienste_with_the_ags_as_endpoint() -> None:
    provider = pmpayment.build("pm", {"client_id": "c", "client_secret": "s",
                                      "originator_id": "rathaus", "ags": "03241001",
                                      "test": "1"})
    assert provider.base_url == "https://payment-test.govconnect.de/"
    assert provider.token_url == "https://payment-test.govconnect.de/oauth/token"
    assert provider.endpoint_id == "03241001"
    assert pmpayment.build("pm", {"client_id": "c", "client_secret": "s",
                                  "originator_id": "o", "ags": "1"}).base_url == \
        "https://payment.govconnect.de/"
    with pytest.raises(ImproperlyConfigured, match="endpoint_id"):
        pmpayment.build("pm", {"client_id": "c", "client_secret": "s", "originator_id": "o"})

    peer = XBezahldienstePeer(client_id="c", client_secret="s", originator_id="rathaus",
                              endpoint_id="03241001")
    with running(peer) as url:
        local = pmpayment.build("pm", {"client_id": "c", "client_secret": "s",
                                       "originator_id": "rathaus", "ags": "03241001",
                                       "base_url": url, "token_url": f"{url}/oauth/token"})
        order = PaymentOrder("R-7", "5.1234.000007.1", 500, "Meldebescheinigung",
                             "Meldebescheinigung", RETURN, "https://rathaus.example/n")
        started = local.start(order)
        browser("POST", started.redirect_url, {"result": "pay"})
        report = local.fetch_status(request_id="R-7",
                                    provider_reference=started.provider_reference)
        assert (report.outcome, report.amount_cents) == (Outcome.PAID, 500)


def test_both_peers_beside_each_other_below_their_prefixes() -> None:
    giro = GiroCheckoutPeer()
    platform = XBezahldienstePeer()
    with running(mount({"/xbezahldienste": platform, "": giro})) as url:
        provider = xbezahldienste.build("xbd", {
            "base_url": f"{url}/xbezahldienste", "token_url": f"{url}/xbezahldienste/oauth/token",
            "client_id": "rathaus", "client_secret": "local-secret", "originator_id": "rathaus",
            "endpoint_id": "gebuehren"})
        order = PaymentOrder("R-8", "K-8", 1000, "Meldebescheinigung", "", RETURN,
                             "https://rathaus.example/n")
        started = provider.start(order)
        assert started.redirect_url.startswith(f"{url}/xbezahldienste/paypage/")
        status, _, page = browser("GET", started.redirect_url)
        assert status == 200
        assert "Local test pay page" in page
        status, _, _ = browser("GET", f"{url}/girocheckout/paypage/unknown")
        assert status == 404
