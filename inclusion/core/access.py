"""Fetching what a view works on, with access checked in the query: what the user may not see
is a 404, what they may see but not change is a 403. Every app's views go through these."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from inclusion.core.models import Antenna, User


class AuthenticatedHttpRequest(HttpRequest):
    """For the type checker only: a request that went through the log-in check (every view but
    those marked login_not_required), whose user is therefore an account, never anonymous."""

    user: User


def antenna_or_404(request, pk, *, manage: bool = False) -> Antenna:
    """The antenna if the user may see it (else 404), and may change it when asked (else 403)."""
    antenna = get_object_or_404(Antenna.objects.visible_to(request.user), pk=pk)
    if manage and not can_manage_antenna(request.user, antenna):
        raise PermissionDenied
    return antenna


def can_manage_antenna(user, antenna: Antenna) -> bool:
    """Whether the user runs this antenna: its coordinators and the federation admins.

    Read from the roles computed once per request, so templates can ask it for free.
    """
    return user.is_admin or antenna.pk in user.roles.coordinated_antenna_ids


def managed_or_404(request, queryset, pk):
    """An object of an antenna (an AntennaScopedQuerySet) the user may see (else 404) and
    change (else 403)."""
    obj = get_object_or_404(queryset.visible_to(request.user), pk=pk)
    if not queryset.managed_by(request.user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj
