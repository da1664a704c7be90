"""The `date` filter of every template, as Django's but for French typography: the first day
of a month is written « 1er » (« mardi 1er décembre », « du 1er au 7 janvier »), by the same
code as the dates written in Python (inclusion/core/typography.py).

Loaded as a built-in library (settings.TEMPLATES), after Django's own: its `date` filter takes
the place of Django's everywhere, and templates need no `{% load %}`.
"""

from django import template
from django.template import defaultfilters

from inclusion.core.typography import date_typography

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    return date_typography(defaultfilters.date(value, arg))
