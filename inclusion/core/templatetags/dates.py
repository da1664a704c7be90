"""The `date` filter of every template, as Django's but for French typography: the first day
of a month is written « 1er » (« mardi 1er décembre », « du 1er au 7 janvier »).

Loaded as a built-in library (settings.TEMPLATES), after Django's own: its `date` filter takes
the place of Django's everywhere, and templates need no `{% load %}`.
"""

import re

from django import template
from django.template import defaultfilters
from django.utils.translation import get_language

register = template.Library()

FRENCH_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# A lone "1" before a month's name: not the end of 11, 21 or 31.
FIRST_OF_MONTH = re.compile(rf"(?<![\d])1(?= (?:{FRENCH_MONTHS})\b)", re.IGNORECASE)


def first_of_month(text: str) -> str:
    """« 1 décembre » as French writes it, « 1er décembre »; other days as they are."""
    return FIRST_OF_MONTH.sub("1er", text)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    text = defaultfilters.date(value, arg)
    if text and (get_language() or "").startswith("fr"):
        return first_of_month(text)
    return text
