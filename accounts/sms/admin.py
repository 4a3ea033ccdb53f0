"""The SMS outbox in the admin: read-only, to see what was sent to whom and whether it arrived."""

from django.contrib import admin

from accounts.admin_tools import ReadOnlyAdmin
from accounts.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "to_number", "kind", "state", "attempts", "error"]
    list_filter = ["state", "kind"]
    date_hierarchy = "created_at"
