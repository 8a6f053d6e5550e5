"""A person's own jobs: the status page (with its JSON for the progress script), the
download, and the list. Someone else's job is "not found" (R-SEC-1), never its contents;
a download is audited (R-SEC-2) and never cached."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render

from jobs import runner, service
from jobs.models import Job
from portal import access, audit, uploads

#: Jobs of the last this many shown on the list.
LIST_SIZE = 50


def own_job(request, pk):
    """The job ``pk`` if the signed-in person asked for it; otherwise 404."""
    return get_object_or_404(
        Job.objects.filter(requested_by=request.user).select_related("requested_by"), pk=pk)


@access.signed_in
def job_status(request, pk):
    job = own_job(request, pk)
    return render(request, "jobs/status.html", {"job": job, "state": service.status(job),
                                                "file_hours": runner.file_hours()})


@access.signed_in
def job_status_json(request, pk):
    job = own_job(request, pk)
    response = JsonResponse(service.status(job))
    response["Cache-Control"] = "private, no-store"
    return response


@access.signed_in
def job_download(request, pk):
    job = own_job(request, pk)
    if not service.downloadable(job):
        raise Http404("This file is not ready, or it was deleted.")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("This file was deleted.") from None
    audit.write(user=request.user, action="download", object_type=audit.EXPORT,
                object_id=job.pk,
                detail=f"{job.kind}: {job.filename}; {job.rows_total or 0} rows", status=200)
    response = FileResponse(handle)
    uploads.safe_download_headers(response, filename=job.filename,
                                  content_type=job.content_type)
    # safe_download_headers knows the upload kinds; a job's own kinds are served as made.
    response["Content-Type"] = job.content_type or "application/octet-stream"
    response["Cache-Control"] = "private, no-store"
    return response


@access.signed_in
def job_list(request):
    jobs = list(Job.objects.filter(requested_by=request.user)
                .select_related("requested_by")[:LIST_SIZE])
    return render(request, "jobs/list.html",
                  {"jobs": [(job, service.status(job)) for job in jobs]})
