"""The GiroCode a banking app scans: payload lines of EPC069-12 and the QR symbol itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import zxingcpp
from django.utils import translation
from PIL import Image, ImageDraw

from rathaus.payments.giro_code import GiroCodeError, epc_payload, is_creditor_reference, svg

TOWN = "Stadtkasse Musterstadt"
IBAN = "DE02120300000000202051"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def scan(markup: str) -> zxingcpp.Barcode:
    """Draw the SVG's modules as a picture and read it as a phone camera would."""
    scale = int(re.search(r'transform="scale\((\d+)\)"', markup).group(1))  # type: ignore[union-attr]
    size = int(re.search(r'width="(\d+)px"', markup).group(1))  # type: ignore[union-attr]
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    path = re.search(r' d="([^"]+)"', markup).group(1)  # type: ignore[union-attr]
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:  # a horizontal run of dark modules on the row whose centre is y
            top = (y - 0.5) * scale
            draw.rectangle([x * scale, top, (x + float(a)) * scale - 1, top + scale - 1], fill=0)
            x += float(a)
    found = zxingcpp.read_barcodes(image)
    assert [code.format for code in found] == [zxingcpp.BarcodeFormat.QRCode]
    return found[0]


def test_a_kassenzeichen_leads_the_unstructured_remittance_text() -> None:
    payload = epc_payload(name=TOWN, iban="de02 1203 0000 0000 2020 51", amount_cents=2400,
                          reference="5100.1234.5678", text="Geburtsurkunde, 2 Stück")

    assert payload.split("\n") == [
        "BCD", "002", "1", "SCT",
        "",  # no BIC: version 002 within the EEA
        TOWN,
        IBAN,  # compact, upper case
        "EUR24.00",
        "",  # purpose code
        "",  # no structured reference
        "5100.1234.5678 Geburtsurkunde, 2 Stueck",  # in the SEPA character set
    ]


def test_an_rf_creditor_reference_travels_structured_and_the_text_becomes_the_hint() -> None:
    payload = epc_payload(name=TOWN, iban=IBAN, amount_cents=500, reference="rf18 5390 0754 7034",
                          text="Meldebescheinigung", bic="BYLADEM1001")

    lines = payload.split("\n")
    assert lines[4] == "BYLADEM1001"
    assert lines[7] == "EUR5.00"
    assert lines[9] == "RF18539007547034"
    assert lines[10] == ""  # structured and unstructured never both
    assert lines[11] == "Meldebescheinigung"


def test_creditor_reference_check_digits() -> None:
    assert is_creditor_reference("RF18 5390 0754 7034")
    assert is_creditor_reference("RF712348231")
    assert not is_creditor_reference("RF19 5390 0754 7034")  # check digits wrong
    assert not is_creditor_reference("5100.1234.5678")
    assert not is_creditor_reference("RF18" + "1" * 22)  # longer than 25 characters


def test_trailing_empty_lines_are_left_out() -> None:
    payload = epc_payload(name=TOWN, iban=IBAN, amount_cents=1200)

    assert payload == f"BCD\n002\n1\nSCT\n\n{TOWN}\n{IBAN}\nEUR12.00"


@pytest.mark.parametrize(("cents", "line"), [(1, "EUR0.01"), (1005, "EUR10.05"),
                                             (99_999_999_999, "EUR999999999.99")])
def test_amounts_at_the_limits(cents: int, line: str) -> None:
    assert epc_payload(name=TOWN, iban=IBAN, amount_cents=cents).split("\n")[7] == line


@pytest.mark.parametrize("cents", [0, -100, 100_000_000_000])
def test_amounts_outside_the_limits_are_refused(cents: int) -> None:
    with pytest.raises(GiroCodeError, match=r"between 0\.01 and 999,999,999\.99 euros"):
        epc_payload(name=TOWN, iban=IBAN, amount_cents=cents)


def test_an_invalid_iban_is_refused() -> None:
    with pytest.raises(GiroCodeError, match="IBAN of the beneficiary is not valid"):
        epc_payload(name=TOWN, iban="DE02120300000000202052", amount_cents=100)


def test_an_invalid_bic_is_refused() -> None:
    with pytest.raises(GiroCodeError, match="BIC of the beneficiary is not valid"):
        epc_payload(name=TOWN, iban=IBAN, amount_cents=100, bic="BYLA")


def test_the_name_is_limited_to_70_characters() -> None:
    assert epc_payload(name="N" * 70, iban=IBAN, amount_cents=100).split("\n")[5] == "N" * 70
    with pytest.raises(GiroCodeError, match="longer than 70 characters"):
        epc_payload(name="N" * 71, iban=IBAN, amount_cents=100)


def test_a_long_text_is_cut_but_the_kassenzeichen_never() -> None:
    payload = epc_payload(name=TOWN, iban=IBAN, amount_cents=100, reference="KZ 2026-000123",
                          text="Gebuehr " * 40)

    remittance = payload.split("\n")[10]
    assert remittance.startswith("KZ 2026-000123 Gebuehr")
    assert len(remittance) <= 140


def test_a_kassenzeichen_a_bank_cannot_carry_is_refused() -> None:
    with pytest.raises(GiroCodeError, match="characters a bank transfer cannot carry"):
        epc_payload(name=TOWN, iban=IBAN, amount_cents=100, reference="KZ#123")
    with pytest.raises(GiroCodeError, match="longer than 140 characters"):
        epc_payload(name=TOWN, iban=IBAN, amount_cents=100, reference="1" * 141)


def test_more_than_331_bytes_are_refused() -> None:
    # 70 characters each time, but 210 and 140 bytes in UTF-8
    with pytest.raises(GiroCodeError, match="too long for a GiroCode"):
        epc_payload(name="東" * 70, iban=IBAN, amount_cents=100, bic="BYLADEM1001",
                    reference="RF18539007547034", text="x" * 70)
    with pytest.raises(GiroCodeError, match="too long for a GiroCode"):
        epc_payload(name="ß" * 70, iban=IBAN, amount_cents=100, bic="BYLADEM1001",
                    reference="K" * 60, text="Gebuehr " * 20)


def test_the_svg_scans_as_the_payload_in_utf8_with_error_level_m() -> None:
    payload = epc_payload(name="Gemeinde Süderstäd", iban=IBAN, amount_cents=2400,
                          reference="5100.1234.5678")

    code = scan(svg(payload, title="GiroCode"))

    assert code.bytes == payload.encode("utf-8")  # UTF-8 as line 3 says, not Latin-1
    assert code.text == payload
    assert code.ec_level == "M"  # EPC069-12 asks for level M


def test_the_svg_is_an_image_named_by_its_title() -> None:
    payload = epc_payload(name=TOWN, iban=IBAN, amount_cents=2400)

    markup = svg(payload, title="GiroCode für 24,00 € <Stadtkasse>")

    opening = markup[: markup.index(">") + 1]
    assert 'role="img"' in opening
    assert 'viewBox="0 0 ' in opening  # scales with the page
    label = re.search(r'aria-labelledby="([^"]+)"', opening).group(1)  # type: ignore[union-attr]
    assert f'<title id="{label}">GiroCode für 24,00 € &lt;Stadtkasse&gt;</title>' in markup
