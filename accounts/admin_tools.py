"""Admin building blocks for case and safety records.

Administrators read these records in the admin, they never edit them there: every change goes
through the services so the rules, events and timers apply. Opening a record (or a list of them)
in the admin is a read like any other and goes to the access log.
"""

from django.contrib import admin

from accounts.access_log import log_access
from accounts.models import AccessLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only and never deleted, with no bulk actions: logs and history are kept as they were."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


class HistoryAdmin(ReadOnlyAdmin):
    """History of case and safety records (notes, events, alerts, visits, escalations…): read-only,
    and every read in the admin goes to the access log."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            log_access(request, object_type=self.model._meta.label_lower, object_id=object_id, detail="admin")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            log_access(
                request, action=AccessLog.Action.SEARCH, object_type=self.model._meta.label_lower, detail="admin list"
            )
        return response


class HistoryInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
