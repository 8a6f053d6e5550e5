"""People management (registration admins and HFS staff with the permission)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_POST

from portal import access, people
from portal.access import Role
from portal.forms import InviteForm
from portal.models import User

manage_people = access.for_roles(Role.HFS, Role.REGISTRATION_ADMIN, check=access.can_manage_people)


@manage_people
def people_list(request):
    query = request.GET.get("q", "").strip()
    people_qs = access.people_visible_to(request.user).order_by("-is_active", "email")
    if query:
        people_qs = people_qs.filter(
            Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(mco__name__icontains=query)
        )
    page = Paginator(people_qs, 25).get_page(request.GET.get("page"))
    return render(request, "portal/people/list.html", {"page": page, "query": query})


@manage_people
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people.invite_staff(
            inviter=request.user,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            mco=data["mco"],
        )
        messages.success(request, f"Invitation sent to {data['email']}.")
        return redirect("people_list")
    return render(request, "portal/people/invite.html", {"form": form})


@manage_people
@require_POST
def set_active(request, pk, active):
    person = get_object_or_404(access.people_visible_to(request.user), pk=pk)
    people.set_active(person, active=active, by=request.user)
    verb = "reactivated" if active else "deactivated; their sessions have ended"
    messages.success(request, f"{person.email} is {verb}.")
    return redirect("people_list")


def _invited_user(uidb64, token):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.has_usable_password() or not default_token_generator.check_token(user, token):
        return None
    return user


@access.public
def accept_invitation(request, uidb64, token):
    """The invitee sets a password; the middleware then makes them enrol MFA."""
    user = _invited_user(uidb64, token)
    if user is None:
        return render(request, "portal/people/invitation_invalid.html", status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        people.accept_invitation(user, form.cleaned_data["new_password1"])
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, "Your password is set. Now set up two-step verification.")
        return redirect("home")
    return render(request, "portal/people/accept.html", {"form": form, "invitee": user})
