"""Health data at rest: sealing answers of fields marked sensitive and their files, and the one
place they are opened again (decision 0021, docs/data-protection.md).

Every opener names who reads: the citizen's own draft in the form engine, the citizen paths
``selectors.may_open_answers`` allows, the receipt rendering, and staff of the submission's
department, whose every opening is in the audit log. The callers check the way in; nothing
else calls ``rathaus.core.sealing.open_*``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest

from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.core import sealing
from rathaus.forms.schema import FormDef
from rathaus.identity.levels import TrustLevel, satisfies, session_trust_level

from .models import Draft, Submission, Upload

Answers = dict[str, Any]

def sensitive_ids(form: FormDef) -> frozenset[str]:
    """Return the ids of the fields marked sensitive, in groups too."""
    return frozenset(item.id for _step, _group, item in form.iter_fields() if item.sensitive)


def sensitive_ids_of_definition(definition: Any) -> frozenset[str]:
    """Return the sensitive field ids of a stored definition's JSON (for migrations)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("sensitive") is True and isinstance(value.get("id"), str):
                found.add(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk((definition or {}).get("form"))
    return frozenset(found)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def seal_answers(answers: Mapping[str, Any], sensitive: Collection[str]) -> Answers:
    """Return the answers with each given answer of a sensitive field sealed, at any depth."""
    if not sensitive:
        return dict(answers)
    sealed: Answers = {}
    for key, value in answers.items():
        if key in sensitive and not _empty(value) and not sealing.is_sealed(value):
            sealed[key] = sealing.seal_value(value)
        elif isinstance(value, list):  # a repeated group: its items are answers of their own
            sealed[key] = [seal_answers(item, sensitive) if isinstance(item, dict) else item
                           for item in value]
        else:
            sealed[key] = value
    return sealed


def has_sealed(answers: Any) -> bool:
    if sealing.is_sealed(answers):
        return True
    if isinstance(answers, dict):
        return any(has_sealed(value) for value in answers.values())
    if isinstance(answers, list):
        return any(has_sealed(item) for item in answers)
    return False


def _open(answers: Any) -> Any:
    if sealing.is_sealed(answers):
        return sealing.open_value(answers)
    if isinstance(answers, dict):
        return {key: _open(value) for key, value in answers.items()}
    if isinstance(answers, list):
        return [_open(item) for item in answers]
    return answers


# -- the openers -------------------------------------------------------------------------------


def draft_answers(draft: Draft) -> Answers:
    """Open a draft's answers for the form engine; the caller has let its citizen in."""
    opened: Answers = _open(draft.answers)
    return opened


def seal_typed(data: dict[str, list[str]]) -> dict[str, str]:
    """Seal what was typed on a refused step, kept in the session until the sign-in."""
    return sealing.seal_value(data)


def open_typed(data: Any) -> Any:
    """Open what was typed on a step, for the form engine once the citizen is let in again.

    Kept in a session, it is not re-sealed by a rotation: under a key removed since, it is
    dropped (the citizen types it again) rather than failing the page.
    """
    if not sealing.is_sealed(data):
        return data
    try:
        return sealing.open_value(data)
    except sealing.KeyUnavailable:
        return None


def draft_answers_for_owner(request: HttpRequest, draft: Draft) -> Answers | None:
    """Open a citizen's draft for their Art. 15 export, if signed in at the service's level.

    As the form itself: health data typed at the service's level open at that level only.
    """
    if has_sealed(draft.answers):
        required = max(TrustLevel(draft.service_version.spec.required_trust_level),
                       TrustLevel.BASIC)
        if not satisfies(achieved=session_trust_level(request), required=required):
            return None
    return draft_answers(draft)


def answers_for_citizen(request: HttpRequest, submission: Submission) -> Answers | None:
    """Open the answers for the citizen, if ``may_open_answers`` lets this request see them."""
    from .selectors import may_open_answers

    if not may_open_answers(request, submission):
        return None
    opened: Answers = _open(submission.answers)
    return opened


def answers_for_receipt(submission: Submission) -> Answers:
    """Open the answers for rendering the receipt; who may download it is checked there."""
    opened: Answers = _open(submission.answers)
    return opened


def answers_for_staff(request: HttpRequest, submission: Submission) -> Answers:
    """Open the answers for a member of staff of the submission's department; logged."""
    if has_sealed(submission.answers):
        record(action=Action.SENSITIVE_DECRYPTED, request=request, target=submission,
               department=submission.department_id, message="answers")
    opened: Answers = _open(submission.answers)
    return opened


def _read(stored: FieldFile) -> bytes:
    with stored.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _handle(stored: FieldFile) -> tuple[IO[bytes], bool]:
    """Return a handle of the stored file's content, opened if sealed, and whether it was."""
    handle: IO[bytes] = stored.open("rb")
    if handle.read(len(sealing.FILE_MAGIC)) != sealing.FILE_MAGIC:
        handle.seek(0)
        return handle, False
    data = sealing.FILE_MAGIC + handle.read()
    handle.close()
    return io.BytesIO(sealing.open_bytes(data)), True


def file_for_citizen(stored: FieldFile) -> IO[bytes]:
    """Open a stored file (an upload, a receipt, a mailbox copy) for the citizen it belongs to."""
    return _handle(stored)[0]


def file_for_staff(request: HttpRequest, upload: Upload) -> IO[bytes]:
    """Open a submission's attachment for staff of its department; a sealed one is logged."""
    handle, was_sealed = _handle(upload.file)
    if was_sealed and upload.submission is not None:
        record(action=Action.SENSITIVE_DECRYPTED, request=request, target=upload.submission,
               department=upload.submission.department_id, message=upload.original_name)
    return handle


def read_receipt(stored: FieldFile) -> bytes:
    """Return a stored receipt's PDF, opened if sealed (the receipt service's own read)."""
    data = _read(stored)
    return sealing.open_bytes(data) if sealing.is_sealed_bytes(data) else data


# -- sealing files -------------------------------------------------------------------------------


def sealed_content(data: bytes, *, name: str | None = None) -> ContentFile[bytes]:
    """Return ``data`` sealed, ready for ``FieldFile.save``."""
    return ContentFile(sealing.seal_bytes(data), name=name)


def seal_stored(stored: FieldFile) -> bool:
    """Seal a stored file in place (the data migration); return whether it changed."""
    data = _read(stored)
    if sealing.is_sealed_bytes(data):
        return False
    _overwrite(stored, sealing.seal_bytes(data))
    return True


def unseal_stored(stored: FieldFile) -> bool:
    """Write a sealed file back as it was (reversing the data migration)."""
    data = _read(stored)
    if not sealing.is_sealed_bytes(data):
        return False
    _overwrite(stored, sealing.open_bytes(data))
    return True


def reseal_stored(stored: FieldFile) -> bool:
    """Seal a sealed file again with the newest key; return whether it changed."""
    data = _read(stored)
    if not sealing.is_sealed_bytes(data):
        return False
    again = sealing.reseal_bytes(data)
    if again is None:
        return False
    _overwrite(stored, again)
    return True


def _overwrite(stored: FieldFile, data: bytes) -> None:
    """Replace the file's content under the same name, whole (a reader never sees half)."""
    try:
        path = stored.path
    except NotImplementedError:  # a storage without local paths: replace through its API
        name = stored.name
        assert name is not None
        stored.storage.delete(name)
        stored.storage.save(name, ContentFile(data))
        return
    temporary = f"{path}.sealing"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def reseal_answers(answers: Any) -> tuple[Any, int]:
    """Return the answers with each sealed value sealed with the newest key, and how many."""
    if sealing.is_sealed(answers):
        again = sealing.reseal_value(answers)
        return (answers, 0) if again is None else (again, 1)
    if isinstance(answers, dict):
        count = 0
        result: dict[str, Any] = {}
        for key, value in answers.items():
            result[key], changed = reseal_answers(value)
            count += changed
        return result, count
    if isinstance(answers, list):
        items: list[Any] = []
        count = 0
        for item in answers:
            done, changed = reseal_answers(item)
            items.append(done)
            count += changed
        return items, count
    return answers, 0


def unseal_answers(answers: Answers) -> Answers:
    """Open every sealed value (reversing the data migration only)."""
    opened: Answers = _open(answers)
    return opened


# -- key rotation: one row at a time, each in its own transaction ---------------------------------

# Models whose file field may hold sealed files; apps above this one add theirs when ready
# (account: the mailbox copy of a receipt), so that rotation finds every sealed file.
SEALED_FILES: list[tuple[type[models.Model], str]] = [(Upload, "file"),
                                                       (Submission, "receipt_pdf")]


def register_sealed_files(model: type[models.Model], field: str) -> None:
    if (model, field) not in SEALED_FILES:
        SEALED_FILES.append((model, field))


@dataclass
class Rotation:
    """What a rotation re-sealed with the newest key, and what it found already done."""

    answers: int = 0
    rows: int = 0
    files: int = 0
    unchanged_rows: int = 0
    unchanged_files: int = 0
    by_model: dict[str, int] = dataclass_field(default_factory=dict)


def _reseal_row(model: type[Draft] | type[Submission], pk: Any) -> int:
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None:  # submitted or deleted meanwhile
            return 0
        answers, count = reseal_answers(row.answers)
        if count:
            model.objects.filter(pk=pk).update(answers=answers)
    return count


def _reseal_file(model: type[models.Model], field: str, pk: Any) -> bool:
    with transaction.atomic():
        row = model._default_manager.select_for_update().filter(pk=pk).first()
        stored = getattr(row, field, None) if row is not None else None
        if not stored:
            return False
        try:
            return reseal_stored(stored)
        except FileNotFoundError:
            return False


def reseal_everything() -> Rotation:
    """Seal every sealed answer and file again with the newest key; safe to repeat or stop.

    Each row is its own transaction: an interrupted run leaves rows under the old key, which
    still open (the key stays configured) and are taken by the next run.
    """
    done = Rotation()
    for model in (Submission, Draft):
        candidates = model.objects.filter(answers__icontains=sealing.SEALED)
        for pk in candidates.values_list("pk", flat=True).iterator():
            count = _reseal_row(model, pk)
            if count:
                done.rows += 1
                done.answers += count
                done.by_model[model._meta.label] = done.by_model.get(model._meta.label, 0) + 1
            else:
                done.unchanged_rows += 1
    for file_model, field in SEALED_FILES:
        stored = file_model._default_manager.exclude(**{field: ""}).exclude(**{
            f"{field}__isnull": True})
        for pk in stored.values_list("pk", flat=True).iterator():
            if _reseal_file(file_model, field, pk):
                done.files += 1
                label = f"{file_model._meta.label}.{field}"
                done.by_model[label] = done.by_model.get(label, 0) + 1
            else:
                done.unchanged_files += 1
    return done
