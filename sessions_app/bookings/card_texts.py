"""The appointment card's texts and the papers a person is asked to bring, as gettext messages.

The card shows French and the person's language side by side, whatever language the referrer's
interface is in: the view reads these texts once under translation.override("fr") and once under
the person's language. Every message is in an "appointment card…" context, so the card's wording
stays its own even where the interface has the same English words. Its translations are in
locale/<code>/LC_MESSAGES/django.po for each language of settings.PERSON_LANGUAGES: adding a
language to the card is adding its catalog and its code there.

Dates and times are written with Django's date format characters, in patterns that are messages
too (a language orders its date its own way), and the month and day names come from Django's
own catalogs.
"""

import datetime

from django.utils import formats
from django.utils.translation import pgettext, pgettext_lazy

from inclusion.core.typography import date_format

# Topic codes of the needs taxonomy (inclusion/core/migrations/0003_topics.py) and the papers
# each one calls for. A need's parent theme counts too.
ADMINISTRATIVE = "aide_aux_demarches_administratives"
BRING_BY_TOPICS = [
    ("caf_number", {"social_sante", "famille_scolarite", "logement", "argent_impots"}),
    ("vitale_card", {"sante", "social_sante"}),
    ("france_travail_id", {"insertion_professionnelle", "travail_formation_entreprise"}),
    ("tax_number", {"argent_impots"}),
    ("logins", {ADMINISTRATIVE}),
    ("device", {"prendre_en_main_du_materiel", "maintenance_de_materiel"}),
]

# The card's headings and sentences, by the name the template reads them under.
TEXTS = {
    "title": pgettext_lazy("appointment card", "Your appointment at the digital help desk"),
    "free": pgettext_lazy("appointment card", "This appointment is free of charge."),
    # Translators: the label before the name of the person the appointment is for.
    "person": pgettext_lazy("appointment card", "For"),
    # Translators: the label before the date and hours of the appointment.
    "when": pgettext_lazy("appointment card", "When"),
    # Translators: the label before the name of the place of the appointment.
    "where": pgettext_lazy("appointment card", "Where"),
    "address": pgettext_lazy("appointment card", "Address"),
    "phone": pgettext_lazy("appointment card", "Phone"),
    # Translators: the label before how to get into the place (step-free access, floor…).
    "access": pgettext_lazy("appointment card", "Access"),
    # Translators: the heading of the list of papers and things to bring.
    "bring_title": pgettext_lazy("appointment card", "Please bring"),
    "reference": pgettext_lazy("appointment card", "Appointment code"),
    "reference_hint": pgettext_lazy("appointment card", "Show this code at the reception."),
    "cancel_notice": pgettext_lazy(
        "appointment card", "If you cannot come, please tell the person who booked this appointment for you."
    ),
    "cancelled": pgettext_lazy("appointment card", "This appointment is cancelled."),
}

# What to bring, by the keys bring_items() picks.
BRING_TEXTS = {
    "id_document": pgettext_lazy("appointment card", "An identity document (ID card, passport or residence permit)"),
    "phone_item": pgettext_lazy("appointment card", "Your mobile phone (to receive codes by text message)"),
    # Translators: keep the French name of the number in brackets, as it is written on the papers.
    "caf_number": pgettext_lazy("appointment card", "Your CAF claimant number (numéro d’allocataire)"),
    # Translators: keep the French name of the card in brackets, as it is written on it.
    "vitale_card": pgettext_lazy("appointment card", "Your health insurance card (carte Vitale)"),
    "france_travail_id": pgettext_lazy("appointment card", "Your France Travail ID (identifiant)"),
    # Translators: keep the French name of the number in brackets, as it is written on the papers.
    "tax_number": pgettext_lazy("appointment card", "Your tax number (numéro fiscal, shown on your tax notice)"),
    "logins": pgettext_lazy("appointment card", "The usernames and passwords of the online accounts concerned"),
    "device": pgettext_lazy(
        "appointment card", "The device you want help with (phone, tablet or laptop) and its charger"
    ),
}


def card_texts() -> dict[str, str]:
    """The card's headings and sentences in the active language."""
    return {name: str(text) for name, text in TEXTS.items()}


def bring_items(*, topic_codes: set[str], has_phone: bool) -> list[str]:
    """What the person should bring, in the active language, from the codes of their needs
    (parent themes included): always an identity document, then the phone and the papers the
    needs call for."""
    items = ["id_document"]
    if has_phone:
        items.append("phone_item")
    items.extend(item for item, codes in BRING_BY_TOPICS if codes & topic_codes)
    return [str(BRING_TEXTS[item]) for item in items]


def card_date(moment: datetime.datetime) -> str:
    """A local date written out in the active language: "mardi 1er décembre 2026"."""
    # Translators: how the card writes a date, in Django's date format characters (l: weekday,
    # j: day, F: month, Y: year; a backslash keeps the next letter as it is). Spanish:
    # "l j \d\e F \d\e Y", for "martes 8 de diciembre de 2026". French writes the first of
    # a month « 1er » by itself.
    pattern = pgettext("appointment card date format", "l j F Y")
    return date_format(moment, pattern)


def card_time_range(start: datetime.datetime, end: datetime.datetime) -> str:
    """Local start and end times in the active language: "de 9 h 00 à 10 h 00"."""
    # Translators: how the card writes a time, in Django's time format characters (G: hour without
    # a leading zero, i: minutes; a backslash keeps the next letter as it is). French: "G \h i",
    # for "9 h 00".
    pattern = pgettext("appointment card time format", "G:i")
    return pgettext("appointment card", "from %(start)s to %(end)s") % {
        "start": formats.time_format(start, pattern),
        "end": formats.time_format(end, pattern),
    }
