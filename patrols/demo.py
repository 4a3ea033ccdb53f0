"""Demo community policing: beats, persons of concern, key locations, an activity and last month's report."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import demo
from patrols import services
from patrols.models import Beat, EvaluationItem, KeyLocation, PersonOfConcern, VisitCadence


@demo.register(order=60)
def patrols_world(world):
    people, stations = world["people"], world["stations"]
    for level, days in (("high", 30), ("medium", 60), ("low", 90)):
        VisitCadence.objects.get_or_create(risk_level=level, defaults={"every_days": days})
    for n, (name, weight) in enumerate(
        [("Visits done vs due", 40), ("Key locations checked", 30), ("Community work", 30)]
    ):
        EvaluationItem.objects.get_or_create(name=name, defaults={"weight": Decimal(weight), "order": n})
    if Beat.objects.exists():
        return
    station = stations[0]
    beat = Beat.objects.create(station=station, code="N1-01", officer=people["officer1"])
    today = timezone.localdate()
    poc = PersonOfConcern.objects.create(
        station=station,
        beat=beat,
        name="劉大明",
        address="台北市中山區長安西路20號",
        risk_level="high",
        habits="Night markets",
        next_due_on=today,
    )
    PersonOfConcern.objects.create(
        station=station,
        beat=beat,
        name="周小強",
        address="台北市中山區林森北路88號",
        risk_level="medium",
        next_due_on=today - timedelta(days=3),
    )
    services.add_child(people["officer1"], poc, name="劉小妹", estimated_age=8)
    KeyLocation.objects.create(
        station=station, beat=beat, type="vacant_house", name="長安西路空屋", address="台北市中山區長安西路22號"
    )
    services.log_activity(
        people["officer1"],
        station,
        kind="briefing",
        held_on=today - timedelta(days=2),
        place="里民活動中心",
        attendees=35,
        topics=["fraud"],
    )
