"""The SMS provider's webhook: the text messages people send back, each read once by
replies.reply_receive (the word for cancel cancels, STOP stops).

Open only when SMS_INBOUND_SECRET is set; otherwise every request gets a 404, as for an address
the site does not have. For each text message received on the sending number, the provider
makes, with no cookie nor log-in:

    POST {SITE_URL}/sms/reponses/
    Content-Type: application/json
    X-Signature: sha256=<HMAC-SHA256 of the raw body keyed with SMS_INBOUND_SECRET, in hexadecimal>
    {"from": "+33612345678", "text": "ANNULER", "id": "the provider's reference of the message"}

or the same fields form-encoded (application/x-www-form-urlencoded), signed the same way. "from"
is the sender's number in E.164 (the "+" may be left out) and "text" what they wrote; "id", at
most 100 characters, may be left out but then a delivery tried again is read again. The body is
10 kB at most.

The answers: 200 {"outcome": "cancelled" | "stopped" | "nothing" | "unknown"} once the reply is
read (a delivery repeated with the same "id" gets the first one's outcome, and nothing is done
twice); 400 {"error": "…"} for a body that is neither JSON nor a form, or lacks a field; 403 for
a missing or wrong signature; 413 for a body too large; 405 for another method than POST; 503
when the database is busy. Only a 5xx is worth sending again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import TooManyFieldsSent
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse, QueryDict
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from sessions_app.reminders.replies import reply_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024
SIGNATURE_PREFIX = "sha256="
REFERENCE_MAX_LENGTH = 100


class _Refused(Exception):
    """A request refused, with the status and the reason it is answered with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _body(request: HttpRequest) -> bytes:
    """The raw body, read up to the limit only: the signature is checked on the whole of it,
    so an unsigned request cannot make the site read much."""
    too_large = _Refused(413, gettext("The request is too large."))
    if _declared_length(request) > MAX_BODY_BYTES:
        raise too_large
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    return raw


def _signed(raw: bytes, signature: str) -> bool:
    """Whether the signature is the body's HMAC-SHA256 with the shared secret."""
    if not signature.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(settings.SMS_INBOUND_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    given = signature.removeprefix(SIGNATURE_PREFIX).strip().lower()
    # Compared as bytes: a header may hold any character, which compare_digest refuses in a str.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _payload(request: HttpRequest, raw: bytes) -> object:
    """The fields sent, as JSON or as a form."""
    unreadable = _Refused(400, gettext("The body is neither JSON nor a form."))
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            return QueryDict(raw)
        except TooManyFieldsSent:
            raise unreadable from None
    try:
        return json.loads(raw)
    # Not JSON, not UTF-8, or nested deeper than the parser goes.
    except (ValueError, RecursionError):
        raise unreadable from None


def _wrong_field(field: str) -> _Refused:
    return _Refused(400, gettext("The field “%(field)s” is missing or wrong.") % {"field": field})


def _text(value: object, field: str, *, number_allowed: bool = False) -> str:
    """A field's value as text; a number only where a provider may send one (the sender, the id)."""
    if isinstance(value, str):
        return value
    if number_allowed and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _wrong_field(field)


def _fields(request: HttpRequest, raw: bytes) -> tuple[str, str, str]:
    """The sender, the text and the provider's reference ("" when it gave none)."""
    data = _payload(request, raw)
    if not isinstance(data, dict):
        raise _Refused(400, gettext("The body is neither JSON nor a form."))
    sender = _text(data.get("from"), "from", number_allowed=True)
    text = _text(data.get("text"), "text")
    reference = "" if data.get("id") is None else _text(data["id"], "id", number_allowed=True)
    if not sender:
        raise _wrong_field("from")
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise _wrong_field("id")
    return sender, text, reference


@csrf_exempt  # the provider has no session: the signature authenticates it
@login_not_required
def sms_reply(request: HttpRequest) -> HttpResponse:
    if not settings.SMS_INBOUND_SECRET:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        raw = _body(request)
        if not _signed(raw, request.headers.get("X-Signature", "")):
            logger.warning("SMS reply refused: missing or wrong signature.")
            raise _Refused(403, gettext("The signature is missing or wrong."))
        sender, text, reference = _fields(request, raw)
    except _Refused as refused:
        return JsonResponse({"error": refused.message}, status=refused.status)
    try:
        reply = reply_receive(sender=sender, body=text, provider_reference=reference)
    except OperationalError:
        # A lock wait past the database's lock_timeout (a booking being changed at this moment).
        logger.exception("SMS reply not read: the database is busy.")
        response = JsonResponse({"error": gettext("Busy: please send again in a moment.")}, status=503)
        response["Retry-After"] = "60"
        return response
    return JsonResponse({"outcome": reply.outcome})
