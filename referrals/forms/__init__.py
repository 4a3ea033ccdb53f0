"""Forms for filing and working referrals. They validate; the services change state."""

from referrals.forms.actions import (  # noqa: F401
    AcceptForm,
    CancelForm,
    CloseForm,
    DeclineForm,
    DispatchForm,
    FailForm,
    FeedbackFields,
    FeedbackForm,
    FirstContactForm,
    LevelForm,
    LinkDecisionForm,
    NoteForm,
    ReassignForm,
    RedirectForm,
    ReReferForm,
    ResubmitForm,
    ReturnForm,
    ShareForm,
    TransferForm,
    team_workers_field,
)
from referrals.forms.filing import (  # noqa: F401
    FUTURE_TOLERANCE,
    MAX_PERSONS,
    ORIGIN_NOT_FOUND,
    BasePersonFormSet,
    DateTimeInput,
    PersonForm,
    PersonFormSet,
    ReferralForm,
    raw_people,
)
from referrals.forms.lists import OPEN_STATUS_CHOICES, BulkAssignForm, QueueFilterForm, RematchForm, SearchForm  # noqa: F401
