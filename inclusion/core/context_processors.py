from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """The menu entries of the signed-in user's roles, in the order they use them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = user.roles
    items = [(reverse("inclusion:home"), _("Home"))]
    if roles.is_referrer:
        items.append((reverse("beneficiaries:sheet_list"), _("My referrals")))
        items.append((reverse("beneficiaries:person_list"), _("People")))
    if roles.is_coordinator or roles.is_volunteer:
        items.append((reverse("volunteers:my_dates"), _("My dates")))
    if roles.is_admin or roles.is_coordinator or roles.is_volunteer:
        items.append((reverse("inclusion:antenna_list"), _("Antennas")))
    if roles.is_admin or roles.is_referrer or roles.is_coordinator or roles.is_volunteer:
        items.append((reverse("inclusion:organization_list"), _("Organizations")))
    if roles.is_admin:
        items.append((reverse("inclusion:account_list"), _("Accounts")))
        items.append((reverse("inclusion:access_log"), _("Access log")))
    if roles.is_admin or roles.is_coordinator:
        items.append((reverse("figures:home"), _("Figures")))
    current = request.path
    return {
        "nav_items": [
            {"url": url, "label": label, "active": url == current or (url != "/" and current.startswith(url))}
            for url, label in items
        ]
    }
