"""The case opens with the submission, in its transaction (decision 0020)."""

from __future__ import annotations

from typing import Any

from rathaus.applications.models import Submission

from . import services


def open_case_for_submission(sender: Any, *, submission: Submission, **kwargs: Any) -> None:
    services.open_case(submission=submission)
