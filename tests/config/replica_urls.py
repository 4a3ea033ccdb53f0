"""The project's URLs plus small views that write or lock in the middle of an opted-in read."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from accounts.models import District
from config.routers import replica_reads
from config.urls import urlpatterns as project_urls


def _read():
    return list(District.objects.order_by("pk")[:5])


@replica_reads
def read_write_read(request):
    first = _read()
    District.objects.filter(pk__in=[d.pk for d in first]).update(name="renamed")
    _read()
    return HttpResponse("ok")


@replica_reads
def read_transaction_read(request):
    _read()
    with transaction.atomic():
        _read()
    _read()
    return HttpResponse("ok")


@replica_reads
def read_lock_read(request):
    _read()
    with transaction.atomic():
        list(District.objects.select_for_update().order_by("pk")[:1])
    _read()
    return HttpResponse("ok")


def save(request):
    """A POST that saves something and redirects, as the app's forms do."""
    District.objects.update(name="saved")
    return HttpResponse(status=302, headers={"Location": "/dashboards/"})


urlpatterns = [
    path("replica-test/read-write-read/", read_write_read),
    path("replica-test/read-transaction-read/", read_transaction_read),
    path("replica-test/read-lock-read/", read_lock_read),
    path("replica-test/save/", save),
    *project_urls,
]
