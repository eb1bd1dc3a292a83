"""The case opens with the submission, in its transaction (decision 0020)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from rathaus.applications.models import Submission

from . import services
from .models import CaseChannel


def open_case_for_submission(sender: Any, *, submission: Submission,
                             channel: str = CaseChannel.ONLINE, filed_by: Any = None,
                             **kwargs: Any) -> None:
    services.open_case(submission=submission, channel=CaseChannel(channel),
                       filed_by=filed_by if isinstance(filed_by, User) else None)
