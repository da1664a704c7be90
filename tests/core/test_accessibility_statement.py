"""The accessibility statement: public, in the interface's language, linked from every page's
footer; and the site's icon, served and linked from every document's head."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.core.factories import UserFactory

STATEMENT = "/accessibilite/"


def test_statement_has_its_french_address():
    assert reverse("inclusion:accessibility") == STATEMENT


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_statement_answers_in_french_with_what_the_rgaa_asks(client, signed_in):
    if signed_in:
        client.force_login(UserFactory(volunteer=True))
    response = client.get(STATEMENT)
    assert response.status_code == 200
    assertContains(response, '<h1 class="h2 mb-3">Déclaration d’accessibilité</h1>', html=False)
    assertContains(response, "Permanences numériques")
    assertContains(response, "partiellement conforme")
    assertContains(response, "taux de conformité, que seul un tel audit mesure, ne peut donc pas être indiqué")
    assertContains(response, "axe-core")
    assertContains(response, "390")
    assertContains(response, "1280")
    assertContains(response, "Échantillon de pages testées")
    assertContains(response, "Page de connexion")
    assertContains(response, "Recherche de créneau")
    assertContains(response, "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07")
    assertContains(response, 'href="https://formulaire.defenseurdesdroits.fr/"')
    assertContains(response, 'href="https://www.defenseurdesdroits.fr/saisir/delegues"')
    assertContains(response, "3 décembre 2026")


def test_statement_follows_the_interface_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(STATEMENT)
    assert response.status_code == 200
    assertContains(response, '<html lang="en"', html=False)
    assertContains(response, "Accessibility statement")
    assertContains(response, "partially compliant")
    assertContains(response, "Sample of pages tested")
    assertContains(response, "Log-in page")
    assertContains(response, "Défenseur des droits")
    assertNotContains(response, "Échantillon")


def test_statement_gives_the_contact_address_when_set(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "accessibilite@example.org"
    response = client.get(STATEMENT)
    assertContains(response, 'href="mailto:accessibilite@example.org"')
    assertNotContains(response, "Contactez l’organisation")


def test_statement_sends_to_the_organisation_without_a_contact_address(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    response = client.get(STATEMENT)
    assertContains(response, "Contactez l’organisation qui gère le service")
    assertNotContains(response, "mailto:")


def test_footer_links_to_the_statement_on_the_log_in_page(client):
    response = client.get(reverse("login"))
    assertContains(response, f'<a href="{STATEMENT}">Accessibilité : partiellement conforme</a>', html=True)


def test_footer_links_to_the_statement_on_a_signed_in_page(client):
    client.force_login(UserFactory(coordinator=True))
    response = client.get(reverse("inclusion:home"))
    assertContains(response, f'<a href="{STATEMENT}">Accessibilité : partiellement conforme</a>', html=True)


def test_site_icon_is_served_and_linked(client):
    assert finders.find("favicon.svg")
    url = static("favicon.svg")
    icon = client.get(url)
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)
    link = f'<link rel="icon" href="{url}" type="image/svg+xml">'
    assertContains(client.get(reverse("login")), link, html=True)
    client.force_login(UserFactory(volunteer=True))
    assertContains(client.get(reverse("inclusion:home")), link, html=True)


def test_site_icon_is_linked_from_the_error_pages(client):
    response = client.get("/ce-chemin-n-existe-pas/")
    assert response.status_code == 404
    assertContains(response, f'href="{static("favicon.svg")}"', status_code=404)


def test_every_document_of_its_own_links_the_site_icon():
    templates = [path for path in (settings.BASE_DIR / "templates").rglob("*.html") if "<head>" in path.read_text()]
    assert len(templates) >= 3
    link = '<link rel="icon" href="{% static \'favicon.svg\' %}" type="image/svg+xml">'
    for template in templates:
        assert link in template.read_text(), template
