"""The technical admin's top bar fits a computer's screen (1280×800): the site's name and the
user's tools stay on one line, whatever the length of the account's name, and no page of the
admin scrolls sideways."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from tests.core.factories import UserFactory
from tests.e2e.conftest import DESKTOP, PASSWORD, exactly

HEADER = """() => {
  const box = selector => document.querySelector(selector).getBoundingClientRect();
  const header = box("#header"), tools = box("#user-tools"), name = box("#site-name");
  return {
    pageWidth: document.documentElement.scrollWidth,
    headerHeight: header.height,
    toolsHeight: tools.height,
    toolsRight: tools.right,
    sameLine: Math.abs((tools.top + tools.bottom) / 2 - (name.top + name.bottom) / 2) < 8,
  };
}"""
# One line of the header: Django's is 48 px high with its padding; a second line of tools adds
# about 20.
ONE_LINE = 56
PAGES = ["admin:index", "admin:core_topic_changelist", "admin:core_accesslog_changelist", "admin:core_user_add"]


def _log_in_to_the_admin(page, email):
    page.goto(f"{reverse('login')}?next={reverse('admin:index')}")
    page.get_by_label(_("E-mail address")).fill(email)
    page.get_by_label(exactly(_("Password"))).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=_("Log in")).click()


@pytest.mark.allow_unchecked_pages("the technical admin is Django's own pages, outside the statement's sample")
@pytest.mark.usefixtures("transactional_db")
@pytest.mark.parametrize(
    "display_name",
    ["Administration fédérale", "Administration fédérale du Secours populaire des Bouches-du-Rhône et de la Gironde"],
)
def test_the_admins_top_bar_stays_on_one_line_at_1280_px(open_page, display_name):
    UserFactory(email="admin@demo.test", admin=True, display_name=display_name)
    page = open_page(DESKTOP)
    _log_in_to_the_admin(page, "admin@demo.test")
    for language in ("fr", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page.url}])
        for name in PAGES:
            page.goto(reverse(name))
            bar = page.evaluate(HEADER)
            where = f"{language} {name}: {bar}"
            assert bar["pageWidth"] <= DESKTOP["width"], where
            assert bar["headerHeight"] <= ONE_LINE, where
            assert bar["sameLine"], where
            assert bar["toolsRight"] <= DESKTOP["width"], where
