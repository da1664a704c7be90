"""Helpers of the access tables: every URL of a namespace, and what each role gets from it."""

from django.urls import get_resolver, reverse
from pytest_django.asserts import assertRedirects


def url_names(namespace: str) -> set[str]:
    """Every URL name of a namespace, so an access table can prove it leaves none out."""
    resolver = get_resolver().namespace_dict[namespace][1]
    return {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}


def check_access(client, user, method: str, url: str, expected: int) -> None:
    """Anonymous visitors go to the log-in page; a signed-in user gets the expected status."""
    if user is None:
        response = getattr(client, method)(url)
        assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
        return
    client.force_login(user)
    assert getattr(client, method)(url).status_code == expected
