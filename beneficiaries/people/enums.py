from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NOT_GIVEN = "not_given"


class AgeBracket(models.TextChoices):
    # The brackets of the national session record, so figures compare and export.
    UNDER_12 = "under_12", _("Under 12")
    FROM_12_TO_17 = "12_17", _("12–17")
    FROM_18_TO_24 = "18_24", _("18–24")
    FROM_25_TO_39 = "25_39", _("25–39")
    FROM_40_TO_59 = "40_59", _("40–59")
    FROM_60_TO_69 = "60_69", _("60–69")
    OVER_70 = "70_plus", _("70 and over")
    NOT_GIVEN = NOT_GIVEN, _("Not given")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NOT_GIVEN = NOT_GIVEN, _("Not given")


class SocialStatus(models.TextChoices):
    IN_EDUCATION = "in_education", _("In education")
    JOBSEEKER = "jobseeker", _("Without a job")
    EMPLOYED = "employed", _("In work")
    RETIRED = "retired", _("Retired")
    NOT_GIVEN = NOT_GIVEN, _("Not given")


class ConsentMethod(models.TextChoices):
    ORAL = "oral", pgettext_lazy("consent", "Oral")
    PAPER = "paper", pgettext_lazy("consent", "Signed on paper")


class FrenchLevel(models.TextChoices):
    NONE = "none", _("Speaks no French")
    BEGINNER = "beginner", _("A few words")
    INTERMEDIATE = "intermediate", _("Gets by")
    FLUENT = "fluent", _("Fluent")
    NOT_GIVEN = NOT_GIVEN, _("Not given")


class SheetStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("liaison sheet", "Sent, to book")
    BOOKED = "booked", pgettext_lazy("liaison sheet", "Booked")
    SEEN = "seen", pgettext_lazy("liaison sheet", "Seen")
    NO_SHOW = "no_show", pgettext_lazy("liaison sheet", "Did not come")
    CLOSED = "closed", pgettext_lazy("liaison sheet", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("liaison sheet", "Cancelled")
    REDIRECTED = "redirected", pgettext_lazy("liaison sheet", "Redirected")


# Where a sheet may go from each status. Closed, cancelled and redirected sheets are finished:
# a new need gets a new sheet.
# Keyed by the stored value: a model's status reads as a plain str.
SHEET_TRANSITIONS: dict[str, set[SheetStatus]] = {
    SheetStatus.SENT: {SheetStatus.BOOKED, SheetStatus.CANCELLED, SheetStatus.REDIRECTED, SheetStatus.CLOSED},
    SheetStatus.BOOKED: {SheetStatus.SEEN, SheetStatus.NO_SHOW, SheetStatus.SENT, SheetStatus.CANCELLED},
    SheetStatus.NO_SHOW: {SheetStatus.BOOKED, SheetStatus.CLOSED, SheetStatus.CANCELLED, SheetStatus.REDIRECTED},
    SheetStatus.SEEN: {SheetStatus.BOOKED, SheetStatus.CLOSED, SheetStatus.REDIRECTED},
    SheetStatus.CLOSED: set(),
    SheetStatus.CANCELLED: set(),
    SheetStatus.REDIRECTED: set(),
}
