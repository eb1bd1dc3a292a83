"""Fill in an application through the Django test client, step by step, as a citizen would."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from pypdf import PdfWriter

from rathaus.applications.models import Submission


@dataclass
class Journey:
    """A citizen's way through one service: start, post each step, check, submit."""

    client: Client
    slug: str
    language: str = "de"
    step_url: str = ""
    history: list[str] = field(default_factory=list)

    def start(self) -> Journey:
        page = self.client.get(f"/{self.language}/services/{self.slug}/apply/")
        assert page.status_code == 200, page.content[:500]
        response = self.client.post(f"/{self.language}/services/{self.slug}/apply/")
        assert response.status_code == 302, response.content[:500]
        self.step_url = response["Location"]
        return self

    @property
    def step_id(self) -> str:
        return self.step_url.rstrip("/").split("/")[-1].split("?")[0]

    def page(self) -> str:
        response = self.client.get(self.step_url)
        assert response.status_code == 200
        return response.content.decode()

    def post(self, data: dict[str, Any], *, action: str = "continue") -> Any:
        """Post the current step; follow a redirect to the next step, return the response."""
        response = self.client.post(self.step_url, {**data, "action": action})
        if response.status_code == 302:
            self.history.append(self.step_id)
            self.step_url = response["Location"]
        return response

    def answer(self, step_id: str, data: dict[str, Any]) -> Any:
        assert self.step_id == step_id, f"expected step {step_id!r}, at {self.step_url}"
        response = self.post(data)
        assert response.status_code == 302, _errors(response)
        return response

    @property
    def at_check(self) -> bool:
        return self.step_url.rstrip("/").endswith("/check")

    def check_page(self) -> str:
        assert self.at_check, f"not at the check page but at {self.step_url}"
        response = self.client.get(self.step_url)
        assert response.status_code == 200
        return response.content.decode()

    def submit(self) -> Submission:
        response = self.client.post(self.step_url)
        assert response.status_code == 302, _errors(response)
        reference = response["Location"].rstrip("/").split("/")[-1]
        return Submission.objects.get(reference=reference)

    def receipt(self, submission: Submission) -> bytes:
        response = self.client.get(f"/{self.language}/submitted/{submission.reference}/receipt.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        return bytes(response.content)


def _errors(response: Any) -> str:
    import re

    body = response.content.decode(errors="replace")
    pattern = r'class="kern-error"[^>]*>.*?<span class="kern-body">(.*?)</span>'
    found = re.findall(pattern, body, re.S)
    return f"status {response.status_code}; errors: {found}" if found else body[:800]


def sign_in(client: Client, level: int) -> None:
    """Give the session a trust level; stands in for the BundID sign-in of a later issue."""
    session = client.session
    session["identity_trust_level"] = int(level)  # 1 basic, 3 substantial, 4 high
    session.save()


def pdf_bytes() -> bytes:
    """A real one-page PDF, as a citizen would upload it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A real 1×1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x20\x80\x20")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def downloaded(response: Any) -> bytes:
    """Read a streamed file response and close its file.

    Only the file: `response.close()` would also send `request_finished`, which closes the
    test's database connection on PostgreSQL.
    """
    data = b"".join(response.streaming_content)
    for close in response._resource_closers:
        close()
    response._resource_closers.clear()
    return data

