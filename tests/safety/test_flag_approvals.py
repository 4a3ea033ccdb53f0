"""Removing a risk flag through an approval: the carry-out asks the safety policy itself."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts import approvals
from referrals import services
from safety import services as safety_services
from tests import factories as f
from tests.referrals import conftest as referral_fixtures
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db

world = referral_fixtures.world  # a station, its team and their people


def test_carrying_out_a_flag_removal_asks_the_safety_policy_itself(world):
    """Not only the approvals queue decides: a supervisor who cannot see the flag (another agency)
    removes nothing, even if the approval were handed to them."""
    referral = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    flag = safety_services.add_risk_flag(actor=world.worker, household=referral.household, type="weapon")
    outsider = f.SupervisorFactory(organization=f.AgencyFactory())

    with pytest.raises(PermissionDenied):
        approvals.kind("safety.remove_flag").carry_out(outsider, flag, {"reason": "Handed in."})

    assert list(safety_services.active_flags_for(households=[referral.household_id])) == [flag]
