from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.validators import MaxValueValidator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts import services
from accounts.admin_tools import ReadOnlyAdmin
from accounts.models import (
    AccessLog,
    Agreement,
    AgreementAcceptance,
    District,
    Holiday,
    LegalHold,
    Notification,
    OnCallShift,
    Organization,
    RetentionRule,
    RetentionRun,
    TimerRun,
    User,
    WebhookDelivery,
    WebhookSubscription,
)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "routing_mode"]
    list_filter = ["routing_mode"]
    search_fields = ["name", "code"]


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "kind", "district", "time_zone", "is_active"]
    list_filter = ["kind", "district", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [HolidayInline]
    fieldsets = [
        (None, {"fields": ["name", "code", "kind", "parent", "district", "is_active"]}),
        (_("Calendar"), {"fields": ["time_zone", "business_days", "opens_at", "closes_at"]}),
        (_("Caseload"), {"fields": ["caseload_max"]}),
    ]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        depth = max(obj.path.count("/") - 2, 0)
        return format_html("{}{}", "\u2003" * depth, obj.name)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "organization", "is_active"]
    list_filter = ["role", "is_active", "organization__kind"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["organization"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Work"), {"fields": ["role", "organization", "phone", "language"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Work"), {"fields": ["role", "organization", "email", "language"]}),
    )


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["team", "worker", "starts_at", "ends_at"]
    list_filter = ["team"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["team", "worker"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "email_state"]
    list_filter = ["kind", "email_state"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    date_hierarchy = "at"


@admin.register(TimerRun)
class TimerRunAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_error"]

    def has_add_permission(self, request):
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """A new version is a new agreement; once anyone has accepted a version its text is fixed."""

    list_display = ["title", "version", "organization", "effective_from", "accepted_by"]
    list_filter = ["organization"]

    @admin.display(description=_("accepted by"))
    def accepted_by(self, obj):
        return obj.acceptances.count()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.acceptances.exists():
            return ["organization", "title", "version", "text", "effective_from"]
        return []

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.acceptances.exists()


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["accepted_at", "user", "agreement", "ip_address"]
    list_filter = ["agreement"]
    date_hierarchy = "accepted_at"


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions and their delivery state; the signing secret is shown to administrators only."""

    list_display = ["organization", "url", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: read-only."""

    list_display = ["created_at", "subscription", "event", "reference", "state", "attempts", "last_status"]
    list_filter = ["state", "subscription"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ["record_type", "keep_days", "note"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Holds are lifted, never deleted: the record of a hold is itself evidence."""

    list_display = ["record_type", "record_key", "reason", "placed_by", "placed_at", "lifted_at"]
    list_filter = ["record_type", "lifted_at"]
    search_fields = ["record_key"]
    readonly_fields = ["placed_by", "placed_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.placed_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """What each run removed (counts per record type)."""

    list_display = ["started_at", "finished_at", "dry_run", "report"]


# --- API tokens (django-rest-knox): minted here only for integration accounts, shown once -------------
class ApiTokenAddForm(forms.ModelForm):
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1)

    class Meta:
        model = AuthToken
        fields = ["user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(role=User.Role.INTEGRATION, is_active=True)
        self.fields["user"].label = _("Integration account")
        self.fields["days"].max_value = settings.API_TOKEN_DAYS
        self.fields["days"].initial = settings.API_TOKEN_DAYS
        self.fields["days"].validators.append(MaxValueValidator(settings.API_TOKEN_DAYS))
        self.token = None

    def save(self, commit=True):
        self.token = services.mint_api_token(user=self.cleaned_data["user"], days=self.cleaned_data["days"])
        self.save_m2m = lambda: None
        return AuthToken.objects.filter(user=self.cleaned_data["user"]).order_by("-created").first()


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
            kwargs["fields"] = ["user", "days"]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "days"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # revoke (delete) and mint a new one instead

    def save_model(self, request, obj, form, change):
        # The form minted the token; it is shown this once and only its hash is kept.
        self.message_user(
            request, _("New API token (copy it now, it is not shown again): %(token)s") % {"token": form.token}
        )


from accounts.sms import admin as sms_admin  # noqa: E402,F401 - registers the SMS outbox
