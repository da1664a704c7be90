"""A name after "of" in the active language, for the sentences of templates that say whose
something is: {% blocktranslate with of_person=person|of_name %}Erase the data {{ of_person }}…

French elides or contracts « de » by the name's first letters (inclusion/core/typography.py).
"""

from django import template

from inclusion.core.typography import of_name as _of_name
from inclusion.core.typography import of_place as _of_place

register = template.Library()


@register.filter
def of_name(name) -> str:
    """« de Monique », « d'Amina »; "of Amina" in English."""
    return _of_name(name)


@register.filter
def of_place(name) -> str:
    """« de La Blancarde », « d'Eysines », « du Bouscat »; "of Eysines" in English."""
    return _of_place(name)
