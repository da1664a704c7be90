"""The interface language of a request."""

from django.conf import settings
from django.utils import translation


def chosen_language(request) -> str:
    """The language picked with the switch at the foot of the page, French otherwise (the
    browser's own preference is not followed, see ChosenLanguageMiddleware)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    try:
        return translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE
