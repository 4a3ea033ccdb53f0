"""The coded values of a referral: categories, levels, statuses (with their public codes), reasons and outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

NARRATIVE_MAX = 4000


class Category(models.TextChoices):
    JUVENILE = "juvenile", _("Juvenile / at-risk youth")
    FAMILY_CONFLICT = "family_conflict", _("Family conflict")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    CHILD_PROTECTION = "child_protection", _("Child protection concern")
    MENTAL_HEALTH = "mental_health", _("Mental health crisis")
    SUICIDE_RISK = "suicide_risk", _("Suicide risk")
    ELDERLY = "elderly", _("Elderly or dementia")
    DISPUTE = "dispute", _("Neighbour / rental / consumer dispute")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    VULNERABLE_FAMILY = "vulnerable_family", _("Vulnerable family")
    APPROPRIATE_ADULT = "appropriate_adult", _("Appropriate adult needed")
    OFFICER_WELLBEING = "officer_wellbeing", _("Officer wellbeing")
    OTHER = "other", _("Other")


class Level(models.IntegerChoices):
    IMMEDIATE = 1, _("1 Immediate: danger now, child or DV at risk, appropriate adult needed")
    URGENT = 2, _("2 Urgent: needs contact soon")
    ROUTINE = 3, _("3 Routine: support, mediation, advice")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Declined")
    RETURNED = "returned", _("Returned for more information")
    RE_REFERRED = "re_referred", _("Re-referred elsewhere")
    FAILED = "failed", _("Could not be served")


class FailureReason(models.TextChoices):
    UNREACHABLE = "unreachable", _("Could not be reached")
    REFUSED = "refused", _("Refused the service")


# Waiting on the police counts as open: the referral is not finished and keeps its place.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)


# The public sector's referral status codes (Taiwan social-safety-net FHIR guide), for the API,
# exports and FHIR: 等待中 waiting, 受案 accepted, 不受案 not accepted, 退回 returned, 再轉 re-referred,
# 完成 completed, 失敗 failed; a referral withdrawn by the police is 撤回 withdrawn.
STATUS_CODES = {
    Status.SUBMITTED: ("waiting", "等待中"),
    Status.ACKNOWLEDGED: ("waiting", "等待中"),
    Status.ACCEPTED: ("accepted", "受案"),
    Status.IN_PROGRESS: ("accepted", "受案"),
    Status.CLOSED: ("completed", "完成"),
    Status.DECLINED: ("not-accepted", "不受案"),
    Status.CANCELLED: ("withdrawn", "撤回"),
    Status.RETURNED: ("returned", "退回"),
    Status.RE_REFERRED: ("re-referred", "再轉"),
    Status.FAILED: ("failed", "失敗"),
}


AWAITING_ACK = (Status.SUBMITTED,)


class Consent(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_POSSIBLE = "not_possible", _("Not possible to ask")


class KnownRisk(models.TextChoices):
    WEAPONS = "weapons", _("Weapons")
    VIOLENCE = "violence", _("Violence")
    THREATS = "threats", _("Threats")
    ANIMALS = "animals", _("Dangerous animals")
    SUBSTANCES = "substances", _("Drugs or alcohol")
    SELF_HARM = "self_harm", _("Self-harm")
    INFECTION = "infection", _("Infectious disease")
    OTHER = "other", _("Other")


class DeclineReason(models.TextChoices):
    NOT_IN_REMIT = "not_in_remit", _("Not within the service's remit")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to act")
    ALREADY_SERVED = "already_served", _("Already served by another agency")
    OUTSIDE_AREA = "outside_area", _("Outside the service area")
    NO_CAPACITY = "no_capacity", _("No capacity")
    DUPLICATE = "duplicate", _("Duplicate of another referral")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    GOT_HELP = "got_help", _("Got help / service plan agreed")
    MEDIATED = "mediated", _("Mediated and resolved")
    REFERRED_ON = "referred_on", _("Referred on elsewhere")
    COULD_NOT_CONTACT = "could_not_contact", _("Could not contact")
    DECLINED_SERVICE = "declined_service", _("Declined service")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    NO_CAPACITY = "no_capacity", _("No capacity")
    MOVED_AWAY = "moved_away", _("Moved away")


# What the referring officer may do next, per outcome (closed-loop referral practice).
OUTCOME_NEXT_STEP = {
    Outcome.GOT_HELP: _("No action needed. The family is receiving services."),
    Outcome.MEDIATED: _("No action needed. Call again if the conflict returns."),
    Outcome.REFERRED_ON: _("The case continues with the service named in the outcome."),
    Outcome.COULD_NOT_CONTACT: _("If you have new contact details, share them in a note or file a new referral."),
    Outcome.DECLINED_SERVICE: _("The person declined help. Refer again if the risk increases."),
    Outcome.NOT_ELIGIBLE: _("Consider another service; the outcome summary explains why."),
    Outcome.NO_CAPACITY: _("Contact the intake coordinator to route the case to another team."),
    Outcome.MOVED_AWAY: _("If you learn the new address, notify the station there or file a new referral."),
}


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PersonRole(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    VICTIM = "victim", _("Victim")
    ALLEGED_OFFENDER = "alleged_offender", _("Alleged offender")
    GUARDIAN = "guardian", _("Guardian")
    CHILD = "child", _("Child")
    REPORTER = "reporter", _("Reporter")


class ReferralGap(models.TextChoices):
    """What a receiving team found missing in a referral: coded, so stations can learn from it."""

    CONTACT = "contact", _("Contact details missing or wrong")
    CONSENT = "consent", _("Consent not recorded")
    NARRATIVE = "narrative", _("Too little about what happened")
    RISK = "risk", _("Risks not stated")
    LEVEL = "level", _("Triage level did not fit")
    WRONG_SERVICE = "wrong_service", _("Not a matter for social work")
    ALREADY_SERVED = "already_served", _("Family already served")
