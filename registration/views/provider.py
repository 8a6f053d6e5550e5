"""The person registering: a request for one provider or many (the template), its status,
and copying a denied request into a new one (R-REG-1..5)."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from portal import access, spreadsheets
from portal.access import Role
from portal.audit import audited
from registration import services, template
from registration.forms import (
    MODE_ONE,
    MODE_SEVERAL,
    IndividualFormSet,
    ModeForm,
    ProviderForm,
    RequesterForm,
    TemplateUploadForm,
    keep_rows,
    kept_rows,
)
from registration.models import RegistrationRequest, RequestStatus

provider_users = access.for_roles(Role.PROVIDER)
MIN_INDIVIDUAL_ROWS = 3


def own_requests(user):
    """The requests a person may see: their own (someone else's is a 404)."""
    return RegistrationRequest.objects.filter(requester=user)


@provider_users
def download_template(request):
    response = HttpResponse(
        template.build_blank_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="multiple-registration-template-{template.TEMPLATE_VERSION}.xlsx"'
    )
    return response


def _initial_from(user, source=None):
    if source is None:
        return (
            {"name": user.get_full_name(), "email": user.email, "phone": user.phone},
            {"mode": MODE_ONE},
            {},
            [],
        )
    requester = {"name": source.name, "email": source.email, "phone": source.phone,
                 "relationship": source.relationship}
    rows = list(source.providers.all())
    mode = {"mode": MODE_SEVERAL if source.source == "template" or len(rows) > 1 else MODE_ONE}
    provider = {}
    if mode["mode"] == MODE_ONE and rows:
        row = rows[0]
        provider = {k: getattr(row, k) for k in ProviderForm.base_fields}
    individuals = [
        {"name": i.name, "email": i.email, "relationship": i.relationship}
        for i in source.individuals.filter(is_requester=False)
    ]
    return requester, mode, provider, individuals


@provider_users
def new_request(request):
    """One page: about you, the provider(s), the other people to register."""
    copied_from = None
    if "copy" in request.GET:
        copied_from = get_object_or_404(
            own_requests(request.user), pk=request.GET["copy"], status=RequestStatus.DENIED
        )
    if request.method != "POST":
        req_init, mode_init, prov_init, ind_init = _initial_from(request.user, copied_from)
        kept = None
        if copied_from is not None and mode_init["mode"] == MODE_SEVERAL:
            entries = [services.row_from_requested(p) for p in copied_from.providers.all()]
            kept = keep_rows(copied_from.template_filename or "earlier request", entries)
        rows = max(MIN_INDIVIDUAL_ROWS, len(ind_init) + 1)
        context = {
            "requester_form": RequesterForm(initial=req_init),
            "mode_form": ModeForm(initial=mode_init),
            "provider_form": ProviderForm(initial=prov_init or {"state": "IL"}),
            "upload_form": TemplateUploadForm(initial={"kept": kept}),
            "individuals": IndividualFormSet(
                initial=ind_init + [{}] * (rows - len(ind_init)), prefix="people"
            ),
            "kept": kept_rows(kept),
            "copied_from": copied_from,
            "template_errors": [],
        }
        return render(request, "registration/new.html", context)
    return _submit(request, copied_from)


def _submit(request, copied_from):
    requester_form = RequesterForm(request.POST)
    mode_form = ModeForm(request.POST)
    provider_form = ProviderForm(request.POST)
    upload_form = TemplateUploadForm(request.POST, request.FILES)
    individuals = IndividualFormSet(request.POST, prefix="people")
    if not individuals.management_form.is_valid():
        # The page always sends a numeric count of people rows; a missing or non-numeric
        # one is a bad request (as Django's own management form treats it), never a 500.
        return _people_count_refused(request, copied_from)
    template_errors = []
    kept = None
    providers = []

    valid = all([requester_form.is_valid(), mode_form.is_valid(), individuals.is_valid(),
                 upload_form.is_valid()])
    mode = mode_form.cleaned_data.get("mode") if mode_form.is_valid() else None
    if mode == MODE_ONE:
        if provider_form.is_valid():
            providers = [provider_form.entry()]
        else:
            valid = False
    elif mode == MODE_SEVERAL:
        upload = upload_form.cleaned_data.get("template_file") if upload_form.is_valid() else None
        if upload is not None:
            result = template.read_template(upload, upload.name)
            if result.ok:
                providers = result.rows
                kept = (upload.name, providers)
            else:
                template_errors, summary = spreadsheets.listed_problems(result.errors)
                upload_form.add_error("template_file", summary)
                valid = False
        else:
            kept = kept_rows(upload_form.data.get("kept"))
            if kept is None:
                upload_form.add_error(
                    "template_file",
                    "Choose your completed template (.xlsx) to upload, or choose \u201cOne\u201d "
                    "and type the provider in.",
                )
                valid = False
            else:
                providers = kept[1]

    if "add_rows" in request.POST:
        valid = False  # the person asked for more rows: show the page again, all kept
    if valid:
        try:
            created = services.submit_request(
                requester=request.user,
                name=requester_form.cleaned_data["name"],
                email=requester_form.cleaned_data["email"],
                phone=requester_form.cleaned_data["phone"],
                relationship=requester_form.cleaned_data["relationship"],
                providers=providers,
                individuals=[e for f in individuals.forms if (e := f.entry())],
                source="template" if mode == MODE_SEVERAL else "form",
                template_filename=kept[0] if kept else "",
                copied_from=copied_from,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Your registration request {created.reference} is "
                             "submitted.")
            return redirect("registration_detail", created.pk)

    if "add_rows" in request.POST:
        return _more_rows(request, copied_from, kept)
    if kept is not None:
        upload_form = TemplateUploadForm(initial={"kept": keep_rows(*kept)})
    # Show every problem at once, with everything typed kept.
    return render(
        request,
        "registration/new.html",
        {
            "requester_form": requester_form,
            "mode_form": mode_form,
            "provider_form": (
                provider_form if mode == MODE_ONE else ProviderForm(initial=request.POST.dict())
            ),
            "upload_form": upload_form,
            "individuals": individuals,
            "kept": kept,
            "copied_from": copied_from,
            "template_errors": template_errors,
            "has_errors": True,
        },
        status=400,
    )


_PERSON_FIELD = re.compile(r"^people-(\d{1,3})-(?:name|email|relationship)$")


def _posted_people(post):
    """The people rows as typed, found by their fields' names (never by the posted count),
    at most 197 so that three more rows still fit."""
    numbers = sorted({int(m.group(1)) for key in post if (m := _PERSON_FIELD.match(key))})
    return [
        {key: post.get(f"people-{i}-{key}", "") for key in ("name", "email", "relationship")}
        for i in numbers[:197]
    ]


def _more_rows(request, copied_from, kept, *, extra_rows=3, status=200, **context):
    """The same page with three more rows for people, everything typed kept, no errors."""
    post = request.POST
    people = _posted_people(post)
    return render(
        request,
        "registration/new.html",
        {
            "requester_form": RequesterForm(initial=post.dict()),
            "mode_form": ModeForm(initial=post.dict()),
            "provider_form": ProviderForm(initial=post.dict()),
            "upload_form": TemplateUploadForm(
                initial={"kept": keep_rows(*kept) if kept else post.get("kept", "")}
            ),
            "individuals": IndividualFormSet(
                initial=people + [{}] * max(extra_rows, MIN_INDIVIDUAL_ROWS - len(people)),
                prefix="people",
            ),
            "kept": kept or kept_rows(post.get("kept")),
            "copied_from": copied_from,
            "template_errors": [],
            "focus_rows": True,
            **context,
        },
        status=status,
    )


def _people_count_refused(request, copied_from):
    """400: the posted count of people rows is missing or not a number. The page comes
    back with everything typed and says why nothing was submitted."""
    return _more_rows(
        request, copied_from, None, extra_rows=0, status=400, focus_rows=False,
        people_count_error=(
            "The page was sent without a valid count of the people rows, so nothing was "
            "submitted. Check the people below and submit the request again."
        ),
    )


@provider_users
@audited("registration")
def request_detail(request, pk):
    registration = get_object_or_404(
        own_requests(request.user).prefetch_related(
            "providers", "individuals", "denial_reasons", "decisions"
        ),
        pk=pk,
    )
    return render(
        request,
        "registration/detail.html",
        {"registration": registration, "clock": services.registration_clock(registration)},
    )
