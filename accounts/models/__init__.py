"""Users, the organisation tree, districts, rosters, notifications, access log."""

from accounts.models.agreements import Agreement, AgreementAcceptance, AgreementQuerySet  # noqa: F401
from accounts.models.approvals import Approval  # noqa: F401
from accounts.models.drafts import Draft  # noqa: F401
from accounts.models.notices import Notification, NotificationQuerySet  # noqa: F401
from accounts.models.organisation import District, Holiday, Organization, OrganizationQuerySet, validate_time_zone  # noqa: F401
from accounts.models.push import PushSubscription, PushSubscriptionQuerySet  # noqa: F401
from accounts.models.records import AccessLog, AppendOnlyQuerySet, ReferenceCounter, TimerRun  # noqa: F401
from accounts.models.retention import LegalHold, RetentionRule, RetentionRun  # noqa: F401
from accounts.models.sms import SmsMessage  # noqa: F401
from accounts.models.users import AccountManager, OnCallShift, OnCallShiftQuerySet, User, UserQuerySet  # noqa: F401
from accounts.models.webhooks import WebhookDelivery, WebhookSubscription  # noqa: F401
