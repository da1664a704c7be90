"""A create form makes one row however often the same filled form is sent.

Each create form carries a key drawn when it is shown (`SubmittedOnceMixin` in forms.py); its
create service runs `create_once`, which records the key with what was created, in the same
transaction. A send that arrives while the first is still running waits for it, and its service
raises `AlreadySubmitted` with the first result, which the view shows instead of a second copy.
A send that arrives after the first was answered never reaches the view:
`SubmittedOnceMiddleware` sends it where the first answer went, before the form is validated
again (which could only complain that the row now exists).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from inclusion.core.models import FormSubmission, User

Result = TypeVar("Result", bound=models.Model)

# What a view says when it shows the first result of a form sent again.
ALREADY_SUBMITTED = _("This form had already been sent: it was saved once, and here is the result.")


class AlreadySubmitted(Exception):
    """The same filled form was sent before; `result` is what it created (None if since deleted)."""

    def __init__(self, result: models.Model | None):
        super().__init__("This form was already sent.")
        self.result = result


def create_once(*, key: uuid.UUID | None, user: User | None, create: Callable[[], Result]) -> Result:
    """Run `create` once for this form's key and user, inside one transaction with its record.

    Without a key (a caller that is not a form, or a form sent without one) `create` simply
    runs. Two sends at the same instant: the second one's insert of the key waits on the unique
    index for the first transaction; if that commits, the second finds its result; if it rolls
    back (a refusal, a validation error), the second creates as if it were the first.
    """
    if key is None or user is None or not user.pk:
        with transaction.atomic():
            return create()
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(user=user, key=key)
        except IntegrityError:
            previous = FormSubmission.objects.filter(user=user, key=key).select_related("result_type").first()
            raise AlreadySubmitted(previous.result if previous else None) from None
        result = create()
        submission.result_type = ContentType.objects.get_for_model(result)
        submission.result_id = result.pk
        submission.save(update_fields=["result_type", "result_id"])
        return result


def first_result_shown(request, sent: AlreadySubmitted, *, otherwise: str, result_url=None) -> HttpResponse:
    """The answer to a form sent again while its first send was running: a message, and the page
    of what the first send made (`result_url(result)`), or `otherwise` when the form's page of
    results is a list, or what it made is gone since."""
    messages.info(request, ALREADY_SUBMITTED)
    if result_url is None or sent.result is None:
        return redirect(otherwise)
    return redirect(result_url(sent.result))


def submission_key(value) -> uuid.UUID | None:
    """The key a form sent, or None for anything that is not one (a hostile value is ignored)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


FIELD = "submission_key"


class SubmittedOnceMiddleware:
    """A form sent again after its first send was answered goes where that answer went.

    After the CSRF check and the log-in (a key only counts for the account that sent it). The
    first send's redirect is recorded once its answer is ready; a later send of the same form
    is answered with the same redirect and a message, without running the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_submission_key", None)
        if key is not None and response.status_code in (301, 302, 303) and response.has_header("Location"):
            FormSubmission.objects.filter(user=request.user, key=key, result_url="").update(
                result_url=response["Location"][:2000]
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.user.is_authenticated or FIELD not in request.POST:
            return None
        key = submission_key(request.POST[FIELD])
        if key is None:
            return None
        request._submission_key = key
        url = (
            FormSubmission.objects.filter(user=request.user, key=key)
            .exclude(result_url="")
            .values_list("result_url", flat=True)
            .first()
        )
        if url is None:
            return None
        messages.info(request, ALREADY_SUBMITTED)
        return redirect(url)
