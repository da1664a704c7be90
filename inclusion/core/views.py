import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inclusion.core import services, two_factor
from inclusion.core.departments import DEPARTMENT_CHOICES, DEPARTMENTS
from inclusion.core.enums import AntennaStatus, MembershipRole
from inclusion.core.forms import (
    AccessLogFilterForm,
    AccountForm,
    AntennaAdminForm,
    AntennaForm,
    MembershipForm,
    OrganizationForm,
    ProfileForm,
    ReferrerForm,
)
from inclusion.core.models import AccessLog, Antenna, AntennaMembership, Organization, Referrer, User
from inclusion.core.querystrings import page_of, search_text
from inclusion.core.submissions import AlreadySubmitted, first_result_shown
from inclusion.core.typography import of_name


def _require_admin(user) -> None:
    if not user.is_admin:
        raise PermissionDenied


def home(request):
    """Each role finds what it needs first: admins the network, coordinators and volunteers
    their antennas, referrers their organization and where they can send people."""
    user = request.user
    roles = user.roles
    context = {"roles": roles}
    if roles.is_admin:
        context["organizations"] = (
            Organization.objects.select_related("parent")
            .annotate(
                antenna_count=Count("antennas", distinct=True),
                active_antenna_count=Count("antennas", filter=Q(antennas__status=AntennaStatus.ACTIVE), distinct=True),
            )
            .order_by("name")
        )
    member_antenna_ids = roles.coordinated_antenna_ids | roles.volunteer_antenna_ids
    if member_antenna_ids:
        context["member_antennas"] = (
            Antenna.objects.filter(pk__in=member_antenna_ids)
            .select_related("organization")
            .annotate(volunteer_count=Count("memberships", filter=Q(memberships__role=MembershipRole.VOLUNTEER)))
            .order_by("name")
        )
    if roles.is_referrer:
        context["referrer_organization"] = Organization.objects.select_related("parent").get(
            pk=roles.referrer_organization_id
        )
        context["open_antennas"] = (
            Antenna.objects.active().select_related("organization").order_by("department_code", "city", "name")
        )
    return render(request, "core/home.html", context)


def antenna_list(request):
    antennas = (
        Antenna.objects.visible_to(request.user)
        .select_related("organization")
        .annotate(
            volunteer_count=Count("memberships", filter=Q(memberships__role=MembershipRole.VOLUNTEER)),
        )
        .order_by("department_code", "city", "name")
    )
    filters = {
        "q": search_text(request),
        "status": request.GET.get("status", ""),
        "department": request.GET.get("department", ""),
    }
    if filters["q"]:
        antennas = antennas.filter(
            Q(name__icontains=filters["q"])
            | Q(city__icontains=filters["q"])
            | Q(organization__name__icontains=filters["q"])
            | Q(postcode__startswith=filters["q"])
        )
    if filters["status"] in AntennaStatus.values:
        antennas = antennas.filter(status=filters["status"])
    if filters["department"] in DEPARTMENTS:
        antennas = antennas.filter(department_code=filters["department"])
    return render(
        request,
        "core/antenna_list.html",
        {
            **page_of(request, antennas),
            "filters": filters,
            "statuses": AntennaStatus.choices,
            "departments": DEPARTMENT_CHOICES,
            "can_create": request.user.is_admin,
        },
    )


def antenna_detail(request, pk):
    antenna = get_object_or_404(Antenna.objects.visible_to(request.user).select_related("organization"), pk=pk)
    memberships = antenna.memberships.select_related("user").order_by("role", "user__display_name")
    can_manage = Antenna.objects.managed_by(request.user).filter(pk=antenna.pk).exists()
    return render(
        request,
        "core/antenna_detail.html",
        {
            "antenna": antenna,
            "coordinators": [m for m in memberships if m.role == MembershipRole.COORDINATOR],
            "volunteers": [m for m in memberships if m.role == MembershipRole.VOLUNTEER],
            "can_manage": can_manage,
        },
    )


def antenna_create(request):
    _require_admin(request.user)
    form = AntennaAdminForm(request.POST or None, initial={"organization": request.GET.get("organization")})
    if form.is_valid():
        try:
            antenna = services.antenna_create(
                organization=form.cleaned_data["organization"],
                fields=services.AntennaFields.from_form(form.cleaned_data),
                by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request, sent, result_url=Antenna.get_absolute_url, otherwise=reverse("inclusion:antenna_list")
            )
        messages.success(request, _("The antenna “%(name)s” was created.") % {"name": antenna.name})
        return redirect(antenna)
    return render(request, "core/form_page.html", {"form": form, "title": _("New antenna")})


def antenna_update(request, pk):
    antenna = get_object_or_404(Antenna.objects.visible_to(request.user), pk=pk)
    if not Antenna.objects.managed_by(request.user).filter(pk=antenna.pk).exists():
        raise PermissionDenied
    form_class = AntennaAdminForm if request.user.is_admin else AntennaForm
    form = form_class(request.POST or None, instance=antenna)
    if form.is_valid():
        services.antenna_update(
            antenna=antenna,
            fields=services.AntennaFields.from_form(form.cleaned_data),
            # Only the admins' form has the organization: they alone may move an antenna.
            organization=form.cleaned_data["organization"] if request.user.is_admin else None,
        )
        messages.success(request, _("The antenna’s details were saved."))
        return redirect(antenna)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": antenna.name}, "back_url": antenna.get_absolute_url()},
    )


def organization_list(request):
    organizations = (
        Organization.objects.visible_to(request.user)
        .select_related("parent")
        .annotate(antenna_count=Count("antennas", distinct=True), referrer_count=Count("referrers", distinct=True))
        .order_by("name")
    )
    query = search_text(request)
    if query:
        organizations = organizations.filter(name__icontains=query)
    return render(
        request,
        "core/organization_list.html",
        {**page_of(request, organizations), "q": query, "can_create": request.user.is_admin},
    )


def organization_detail(request, pk):
    organization = get_object_or_404(Organization.objects.visible_to(request.user).select_related("parent"), pk=pk)
    visible_ids = Antenna.objects.visible_to(request.user).filter(organization=organization).values("pk")
    antennas = organization.antennas.filter(Q(status=AntennaStatus.ACTIVE) | Q(pk__in=visible_ids)).annotate(
        is_visible=Q(pk__in=visible_ids)
    )
    context = {
        "organization": organization,
        "antennas": antennas,
        "children": organization.children.visible_to(request.user),
        "can_manage": request.user.is_admin,
        "referrers": None,
    }
    if request.user.is_admin:
        context["referrers"] = organization.referrers.filter(is_active=True).select_related("user")
    return render(request, "core/organization_detail.html", context)


def organization_create(request):
    _require_admin(request.user)
    form = OrganizationForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    if form.is_valid():
        try:
            organization = services.organization_create(
                fields=services.OrganizationFields.from_form(form.cleaned_data),
                by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request,
                sent,
                result_url=Organization.get_absolute_url,
                otherwise=reverse("inclusion:organization_list"),
            )
        messages.success(request, _("The organization “%(name)s” was created.") % {"name": organization.name})
        return redirect(organization)
    return render(request, "core/form_page.html", {"form": form, "title": _("New organization")})


def organization_update(request, pk):
    organization = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    _require_admin(request.user)
    form = OrganizationForm(request.POST or None, instance=organization)
    if form.is_valid():
        services.organization_update(
            organization=organization, fields=services.OrganizationFields.from_form(form.cleaned_data)
        )
        messages.success(request, _("The organization’s details were saved."))
        return redirect(organization)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": organization.name},
            "back_url": organization.get_absolute_url(),
        },
    )


ACCOUNT_ROLE_FILTERS = {
    "admin": Q(is_superuser=True),
    "coordinator": Q(memberships__role=MembershipRole.COORDINATOR),
    "volunteer": Q(memberships__role=MembershipRole.VOLUNTEER),
    "referrer": Q(referrer__is_active=True),
}


def account_list(request):
    _require_admin(request.user)
    accounts = User.objects.visible_to(request.user).prefetch_related(
        Prefetch("memberships", queryset=AntennaMembership.objects.select_related("antenna")),
        Prefetch("referrer", queryset=Referrer.objects.select_related("organization")),
    )
    query = search_text(request)
    role = request.GET.get("role", "")
    if query:
        accounts = accounts.filter(Q(email__icontains=query) | Q(display_name__icontains=query))
    if role in ACCOUNT_ROLE_FILTERS:
        accounts = accounts.filter(ACCOUNT_ROLE_FILTERS[role]).distinct()
    role_choices = [
        ("admin", _("Federation admins")),
        ("coordinator", _("Coordinators")),
        ("volunteer", _("Volunteers")),
        ("referrer", _("Referrers")),
    ]
    return render(
        request,
        "core/account_list.html",
        {
            **page_of(request, accounts.order_by("display_name", "email")),
            "q": query,
            "role": role,
            "role_choices": role_choices,
        },
    )


def account_create(request):
    _require_admin(request.user)
    form = AccountForm(request.POST or None, editor=request.user)
    if form.is_valid():
        try:
            user = services.user_invite(
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                phone=form.cleaned_data["phone"],
                is_admin=form.cleaned_data["is_admin"],
                base_url=request.build_absolute_uri("/"),
                language=get_language(),
                by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request,
                sent,
                result_url=lambda result: reverse("inclusion:account_detail", kwargs={"pk": result.pk}),
                otherwise=reverse("inclusion:account_list"),
            )
        messages.success(
            request,
            _("The account was created and an e-mail was sent to %(email)s to choose a password.")
            % {"email": user.email},
        )
        return redirect("inclusion:account_detail", pk=user.pk)
    return render(request, "core/form_page.html", {"form": form, "title": _("New account")})


def _account_for_admin(request, pk) -> User:
    account = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    _require_admin(request.user)
    return account


def account_detail(request, pk):
    return _render_account_detail(request, _account_for_admin(request, pk))


def _render_account_detail(request, account, *, membership_form=None, referrer_form=None):
    """The account page; a refused form comes back with its errors and what was typed."""
    referrer = Referrer.objects.filter(user=account, is_active=True).select_related("organization").first()
    return render(
        request,
        "core/account_detail.html",
        {
            "account": account,
            "memberships": account.memberships.select_related("antenna__organization").order_by("antenna__name"),
            "referrer": referrer,
            "membership_form": membership_form or _membership_form(account),
            "referrer_form": referrer_form or _referrer_form(account, referrer),
        },
    )


def _membership_form(account, data=None) -> MembershipForm:
    form = MembershipForm(data)
    form.helper.form_action = reverse("inclusion:account_membership_add", args=[account.pk])
    return form


def _referrer_form(account, referrer=None, data=None) -> ReferrerForm:
    initial = {"organization": referrer.organization_id, "job_title": referrer.job_title} if referrer else None
    form = ReferrerForm(data, initial=initial)
    form.helper.form_action = reverse("inclusion:account_referrer_set", args=[account.pk])
    return form


def account_update(request, pk):
    account = _account_for_admin(request, pk)
    form = AccountForm(request.POST or None, instance=account, editor=request.user)
    if form.is_valid():
        cleaned = form.cleaned_data
        services.user_update(
            user=account,
            email=cleaned["email"],
            display_name=cleaned["display_name"],
            phone=cleaned["phone"],
            is_active=cleaned["is_active"],
            is_admin=cleaned["is_admin"],
        )
        messages.success(request, _("The account was saved."))
        return redirect(account)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Edit the account %(of_name)s") % {"of_name": of_name(account)},
            "back_url": account.get_absolute_url(),
        },
    )


@require_POST
def account_invitation_resend(request, pk):
    account = _account_for_admin(request, pk)
    services.account_invitation_enqueue(
        user=account, base_url=request.build_absolute_uri("/"), language=get_language()
    )
    messages.success(request, _("A link to choose a password was sent to %(email)s.") % {"email": account.email})
    return redirect(account)


@require_POST
def account_membership_add(request, pk):
    account = _account_for_admin(request, pk)
    form = _membership_form(account, request.POST)
    if form.is_valid():
        membership = services.membership_set(
            antenna=form.cleaned_data["antenna"], user=account, role=form.cleaned_data["role"]
        )
        messages.success(
            request,
            _("%(name)s is now %(role)s at %(antenna)s.")
            % {"name": account, "role": membership.get_role_display().lower(), "antenna": membership.antenna},
        )
        return redirect(account)
    return _render_account_detail(request, account, membership_form=form)


@require_POST
def account_membership_remove(request, pk, membership_pk):
    account = _account_for_admin(request, pk)
    membership = get_object_or_404(account.memberships.select_related("antenna"), pk=membership_pk)
    services.membership_remove(membership=membership)
    messages.success(
        request, _("%(name)s no longer belongs to %(antenna)s.") % {"name": account, "antenna": membership.antenna}
    )
    return redirect(account)


@require_POST
def account_referrer_set(request, pk):
    account = _account_for_admin(request, pk)
    form = _referrer_form(account, data=request.POST)
    if form.is_valid():
        referrer = services.referrer_set(
            user=account, organization=form.cleaned_data["organization"], job_title=form.cleaned_data["job_title"]
        )
        messages.success(
            request,
            _("%(name)s refers people for %(organization)s.")
            % {"name": account, "organization": referrer.organization},
        )
        return redirect(account)
    return _render_account_detail(request, account, referrer_form=form)


@require_POST
def account_referrer_remove(request, pk):
    account = _account_for_admin(request, pk)
    referrer = get_object_or_404(Referrer.objects.filter(user=account, is_active=True))
    services.referrer_remove(referrer=referrer)
    messages.success(request, _("%(name)s no longer refers people.") % {"name": account})
    return redirect(account)


def profile(request):
    """The user's own account: name, phone, roles, and the way to change the password and, for
    admins and coordinators, to turn on two-step verification."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if form.is_valid():
        services.profile_update(
            user=request.user, display_name=form.cleaned_data["display_name"], phone=form.cleaned_data["phone"]
        )
        messages.success(request, _("Your details were saved."))
        return redirect("inclusion:profile")
    memberships = request.user.memberships.select_related("antenna").order_by("antenna__name")
    referrer = Referrer.objects.filter(user=request.user, is_active=True).select_related("organization").first()
    return render(
        request,
        "core/profile.html",
        {
            "form": form,
            "memberships": memberships,
            "referrer": referrer,
            "two_factor": two_factor.two_factor_status(request.user),
        },
    )


def access_log(request):
    """The personal-data access log, for federation admins only (a 404 for anyone else: the
    page's existence tells nothing), filtered by person, account, action and dates."""
    if not request.user.is_admin:
        raise Http404
    form = AccessLogFilterForm(request.GET or None)
    records = AccessLog.objects.select_related("user", "beneficiary").order_by("-created_at", "-pk")
    if form.is_bound and not form.is_valid():
        records = records.none()
    elif form.is_bound:
        filters = form.cleaned_data
        if filters["personne"]:
            records = records.filter(beneficiary_id=filters["personne"])
        if filters["compte"]:
            records = records.filter(user__email__iexact=filters["compte"])
        if filters["action"]:
            records = records.filter(action=filters["action"])
        if filters["du"]:
            records = records.filter(created_at__date__gte=filters["du"])
        if filters["au"]:
            records = records.filter(created_at__date__lte=filters["au"])
    return render(request, "core/access_log.html", {**page_of(request, records), "form": form})


# The day the accessibility statement was written; to be changed with its content.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 12, 3)


@login_not_required
def accessibility_statement(request):
    """The accessibility statement the RGAA asks every public-facing service to publish, open to
    everyone: the people helped and their referrers read it before they have an account."""
    context = {
        "statement_date": ACCESSIBILITY_STATEMENT_DATE,
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
    }
    return render(request, "core/accessibility.html", context)
