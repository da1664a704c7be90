"""Template filters of the session logs."""

from django import template

register = template.Library()


@register.filter
def private_note_readable_by(log, user) -> bool:
    """Templates ask the model's rule rather than a flag of their own, so a page added later
    cannot show the team's note to someone the rule keeps out."""
    return log.private_note_readable_by(user)
