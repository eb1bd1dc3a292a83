"""Health data are sealed at rest with a key of their own; the pages still show them to who may
read them (decision 0021)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from pypdf import PdfWriter

from rathaus.applications import sealed
from rathaus.applications.models import Draft, Submission, Upload
from rathaus.applications.services import ensure_receipt
from rathaus.core import sealing
from rathaus.identity.levels import TrustLevel
from rathaus.staff.tests.factories import sign_in_verified

from .journey import Journey, downloaded
from .test_sensitive_receipt import APPLICANT, HEALTH, SLUG, renate

pytestmark = pytest.mark.django_db

SECRET = "Arthrose"


def report_pdf() -> bytes:
    """A medical report whose text (in its metadata, stored uncompressed) names the diagnosis."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": "Befund: Arthrose beider Knie"})
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    assert SECRET.encode() in data
    return data


def raw_answers(model: type[Draft] | type[Submission], pk: Any) -> str:
    """The answers column as the database holds it, read past the ORM."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT answers FROM {table} WHERE id = %s",  # noqa: S608
                       [model._meta.pk.get_db_prep_value(pk, connection)])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def on_disk(stored: Any) -> bytes:
    return Path(stored.path).read_bytes()


def fill_in(client: Client) -> Journey:
    renate(client)
    journey = Journey(client, SLUG).start()
    journey.answer("applicant", APPLICANT)
    report = SimpleUploadedFile("befund.pdf", report_pdf(), content_type="application/pdf")
    journey.answer("health", {**HEALTH, "medical_reports": report})
    return journey


def submit(client: Client, capture: Any) -> Submission:
    journey = fill_in(client)
    journey.answer("marks", {"requested_marks": ["g"]})
    journey.answer("consent", {"confidentiality_release": "yes", "truthful": "yes"})
    with capture(execute=True):
        return journey.submit()


def test_a_draft_holds_health_data_only_sealed_and_the_form_shows_them(
        client: Client, catalog: None) -> None:
    journey = fill_in(client)
    draft = Draft.objects.get()
    stored = raw_answers(Draft, draft.pk)
    assert SECRET not in stored
    assert "Dr. Anna Berg" not in stored
    assert "$sealed" in stored
    assert "Renate" in stored, "only what is marked sensitive is sealed"
    upload = Upload.objects.get()
    assert SECRET.encode() not in on_disk(upload.file)
    assert on_disk(upload.file).startswith(sealing.FILE_MAGIC)

    base = journey.step_url.split("?")[0].rstrip("/").rsplit("/", 1)[0]
    back = client.get(f"{base}/health/")
    assert "Arthrose in beiden Kniegelenken" in back.content.decode(), "the form shows it"
    file = downloaded(client.get(f"/de/files/{upload.pk}/"))
    assert hashlib.sha256(file).hexdigest() == upload.sha256, "the citizen gets the file back"
    assert SECRET.encode() in file
    journey.answer("marks", {"requested_marks": ["g"]})
    journey.answer("consent", {"confidentiality_release": "yes", "truthful": "yes"})
    assert "Arthrose in beiden Kniegelenken" in journey.check_page()
    assert SECRET not in raw_answers(Draft, draft.pk), "still sealed after later steps"


def test_a_submission_its_files_and_its_receipts_hold_no_plain_health_data(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    submission = submit(client, django_capture_on_commit_callbacks)
    stored = raw_answers(Submission, submission.pk)
    assert SECRET not in stored
    assert "2019-06-01" not in stored
    assert "$sealed" in stored
    [upload] = submission.attachments.all()
    assert SECRET.encode() not in on_disk(upload.file)
    assert b"%PDF" not in on_disk(upload.file)

    receipt = client.get(f"/de/submitted/{submission.reference}/receipt.pdf")
    assert "Arthrose in beiden Kniegelenken" in read_pdf(receipt.content)
    submission.refresh_from_db()
    assert on_disk(submission.receipt_pdf).startswith(sealing.FILE_MAGIC), "the stored receipt"
    assert b"%PDF" not in on_disk(submission.receipt_pdf)
    message = submission.messages.get()  # Mein Rathaus (account) keeps the copy
    assert on_disk(message.attachment).startswith(sealing.FILE_MAGIC), "the mailbox copy"

    # Mein Rathaus, signed in at the service's level: the copy and the Art. 15 export open.
    copy = client.get(f"/de/mein-rathaus/postfach/{message.pk}/anhang/")
    assert copy.status_code == 200, copy.content[:300]
    assert "Arthrose in beiden Kniegelenken" in read_pdf(downloaded(copy))
    export = client.get("/de/mein-rathaus/meine-daten/mein-rathaus.zip")
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        data = json.loads(archive.read("mein-rathaus.json"))
        receipts = [name for name in archive.namelist() if name.startswith("receipts/")]
        assert read_pdf(archive.read(receipts[0])).count("Arthrose") == 1
    [application] = data["applications"]
    assert application["answers"]["impairments"][0]["impairment_description"] == (
        "Arthrose in beiden Kniegelenken")


def test_the_admin_shows_a_placeholder_for_sealed_answers(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    submission = submit(client, django_capture_on_commit_callbacks)
    other = Client()
    fill_in(other)
    draft = Draft.objects.get()
    admin = Client()
    sign_in_verified(admin, get_user_model().objects.create_superuser(
        "admin", "a@example.de", "pw-123456789"))
    for url in (f"/admin/applications/submission/{submission.pk}/change/",
                f"/admin/applications/draft/{draft.pk}/change/"):
        page = admin.get(url).content.decode()
        assert SECRET not in page, url
        assert "versiegelt (Gesundheitsdaten)" in page, url
        assert "Renate" in page, "the other answers are shown"


def test_the_key_is_its_own_and_not_the_secret_key(settings: Any) -> None:
    settings.RATHAUS_SENSITIVE_KEYS = [Fernet.generate_key().decode()]
    value = sealing.seal_value("Arthrose")
    settings.SECRET_KEY = "another-secret-key"
    assert sealing.open_value(value) == "Arthrose", "SECRET_KEY plays no part"
    settings.RATHAUS_SENSITIVE_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(sealing.KeyUnavailable):
        sealing.open_value(value)


def test_without_the_setting_a_key_file_is_generated_once(settings: Any, tmp_path: Path) -> None:
    settings.RATHAUS_SENSITIVE_KEYS = []
    settings.RATHAUS_SENSITIVE_KEY_FILE = tmp_path / "keys" / "sensitive-data.keys"
    value = sealing.seal_value(["Arthrose"])
    path = Path(settings.RATHAUS_SENSITIVE_KEY_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    first = path.read_text()
    sealing.keys.cache_clear()
    assert sealing.open_value(value) == ["Arthrose"]
    assert path.read_text() == first, "the file is kept, not generated again"


def test_deploy_check_warns_without_configured_keys() -> None:
    def ids() -> list[str | None]:
        return [message.id for message in run_checks(include_deployment_checks=True)]

    with override_settings(RATHAUS_PRODUCTION=True, RATHAUS_SENSITIVE_KEYS=[]):
        assert "rathaus.W011" in ids()
        assert "rathaus.W011" not in [message.id for message in run_checks()]
    key = Fernet.generate_key().decode()
    with override_settings(RATHAUS_PRODUCTION=True, RATHAUS_SENSITIVE_KEYS=[key]):
        assert "rathaus.W011" not in ids()
    with override_settings(RATHAUS_PRODUCTION=False, RATHAUS_SENSITIVE_KEYS=[]):
        assert "rathaus.W011" not in ids()


def test_rotation_reseals_everything_with_the_newest_key_and_can_be_repeated(
        client: Client, catalog: None, settings: Any, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.RATHAUS_SENSITIVE_KEYS = [old]
    submission = submit(client, django_capture_on_commit_callbacks)
    ensure_receipt(submission=submission)
    fill_in(Client())  # a draft with a file, too
    before = raw_answers(Submission, submission.pk)

    settings.RATHAUS_SENSITIVE_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_sensitive_key", stdout=out)
    report = out.getvalue()
    assert "Re-sealed 11 answer(s) in 2 row(s) and 4 file(s)" in report, report
    assert "the old keys can be removed now" in report
    assert raw_answers(Submission, submission.pk) != before

    settings.RATHAUS_SENSITIVE_KEYS = [new]  # the old key removed
    submission.refresh_from_db()
    assert sealed.answers_for_receipt(submission)["impairments"][0][
        "impairment_description"] == "Arthrose in beiden Kniegelenken"
    assert "Arthrose" in read_pdf(ensure_receipt(submission=submission))
    [upload] = submission.attachments.all()
    assert SECRET.encode() in sealed.file_for_citizen(upload.file).read()

    again = io.StringIO()
    call_command("rotate_sensitive_key", stdout=again)
    assert "Re-sealed 0 answer(s) in 0 row(s) and 0 file(s); 2 row(s) and 4 file(s)" in (
        again.getvalue()), again.getvalue()


def test_rotation_with_the_key_file_generates_a_key_and_forgets_the_old_one(
        client: Client, catalog: None, settings: Any, tmp_path: Path) -> None:
    settings.RATHAUS_SENSITIVE_KEYS = []
    settings.RATHAUS_SENSITIVE_KEY_FILE = tmp_path / "sensitive-data.keys"
    fill_in(client)
    draft = Draft.objects.get()
    out = io.StringIO()
    call_command("rotate_sensitive_key", "--forget-old-keys", stdout=out)
    assert "Generated a new key" in out.getvalue()
    assert "Re-sealed 5 answer(s) in 1 row(s) and 1 file(s)" in out.getvalue(), out.getvalue()
    assert "Removed 1 old key(s)" in out.getvalue()
    assert len(sealing.keys()) == 1
    draft.refresh_from_db()
    assert sealed.draft_answers(draft)["impairments"][0]["impairment_doctor"].startswith(
        "Dr. Anna Berg")


def test_the_migration_seals_what_was_stored_plain_and_reverses(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("rathaus.applications.migrations.0004_seal_sensitive_answers")
    submission = submit(client, django_capture_on_commit_callbacks)
    fill_in(Client())
    migration.unseal(apps, None)  # as before this release
    assert SECRET in raw_answers(Submission, submission.pk)
    assert SECRET in raw_answers(Draft, Draft.objects.get().pk)
    assert all(SECRET.encode() in on_disk(upload.file) for upload in Upload.objects.all())

    migration.seal(apps, None)
    assert SECRET not in raw_answers(Submission, submission.pk)
    assert SECRET not in raw_answers(Draft, Draft.objects.get().pk)
    assert not any(SECRET.encode() in on_disk(upload.file) for upload in Upload.objects.all())
    submission.refresh_from_db()
    assert sealed.answers_for_receipt(submission)["hospital_stays"] is False
    migration.seal(apps, None)  # again: nothing sealed twice
    assert sealed.answers_for_receipt(submission)["hospital_stays"] is False


def test_health_data_of_a_refused_step_wait_in_the_session_sealed(
        client: Client, catalog: None) -> None:
    renate(client)
    journey = Journey(client, SLUG).start()
    journey.answer("applicant", APPLICANT)
    health = journey.step_url
    renate(client, TrustLevel.SUBSTANTIAL)  # the level dropped (signed in again, lower)
    refused = client.post(health, {**HEALTH, "action": "continue"})
    assert refused.status_code == 403
    assert "Ihre Angaben wurden aufbewahrt" in refused.content.decode()
    assert SECRET not in str(list(client.session.items())), "kept, but sealed"
    assert "$sealed" in str(client.session.get("application_kept_answers"))

    renate(client)  # back at the service's level: the typed text comes back
    assert "Arthrose in beiden Kniegelenken" in client.get(health).content.decode()


def test_sealed_values_are_opened_in_one_module_only() -> None:
    from django.conf import settings

    package = Path(settings.BASE_DIR) / "rathaus"
    openers = {
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if "tests" not in path.parts
        and any(call in path.read_text() for call in ("open_value(", "open_bytes("))}
    assert openers == {"core/sealing.py", "applications/sealed.py"}


def test_the_art_15_export_opens_a_drafts_health_data_at_the_services_level_only(
        client: Client, catalog: None) -> None:
    fill_in(client)

    def exported_draft() -> dict[str, Any]:
        response = client.get("/de/mein-rathaus/meine-daten/mein-rathaus.json")
        assert response.status_code == 200
        [draft] = json.loads(b"".join(response.streaming_content)  # type: ignore[attr-defined]
                             if response.streaming else response.content)["drafts"]
        result: dict[str, Any] = draft
        return result

    assert exported_draft()["answers"]["impairments"][0]["impairment_description"] == (
        "Arthrose in beiden Kniegelenken")
    renate(client, TrustLevel.SUBSTANTIAL)
    lower = exported_draft()
    assert lower["answers"] is None
    assert "Gesundheitsdaten" in lower["answers_withheld"]
    assert SECRET not in json.dumps(lower)


def test_a_key_that_is_no_key_is_a_configuration_error() -> None:
    good = Fernet.generate_key().decode()
    with override_settings(RATHAUS_SENSITIVE_KEYS=[good, "not-a-key"]):
        [error] = [item for item in run_checks() if item.id == "rathaus.E004"]
    assert "position 2" in error.msg
    assert good not in error.msg, "the message names no key"
    with override_settings(RATHAUS_SENSITIVE_KEYS=[good]):
        assert "rathaus.E004" not in [item.id for item in run_checks()]
