"""The demo world used by ``manage.py seed_demo``.

Apps add their own demo data with ``register``; every step must be idempotent.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import District, Holiday, OnCallShift, Organization, User

DEMO_PASSWORD = "demo-pass-2026"

_steps = []


def register(order=50):
    def decorator(func):
        _steps.append((order, func))
        return func

    return decorator


def org(code, name, kind, parent=None, district=None, **extra):
    obj, _ = Organization.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent, "district": district, **extra}
    )
    return obj


def user(username, first, last, role, organization, **extra):
    obj, created = User.objects.update_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "role": role,
            "organization": organization,
            "email": f"{username}@example.org",
            **extra,
        },
    )
    if created or not obj.check_password(DEMO_PASSWORD):
        obj.set_password(DEMO_PASSWORD)
        obj.save(update_fields=["password"])
    return obj


@register(order=10)
def organisations_and_people(world):
    K, R = Organization.Kind, User.Role
    north, _ = District.objects.update_or_create(
        code="north", defaults={"name": "北區 North", "routing_mode": District.RoutingMode.DIRECT}
    )
    south, _ = District.objects.update_or_create(
        code="south", defaults={"name": "南區 South", "routing_mode": District.RoutingMode.CENTRALISED}
    )
    pd = org("city-police", "市政府警察局 City Police Department", K.POLICE_DEPARTMENT)
    p1 = org("precinct-north", "第一分局 North Precinct", K.PRECINCT, pd, north)
    p2 = org("precinct-south", "第二分局 South Precinct", K.PRECINCT, pd, south)
    stations = [
        org("station-n1", "中山派出所 Zhongshan Station", K.STATION, p1, north),
        org("station-n2", "民生派出所 Minsheng Station", K.STATION, p1, north),
        org("station-s1", "興隆派出所 Xinglong Station", K.STATION, p2, south),
        org("station-s2", "光明派出所 Guangming Station", K.STATION, p2, south),
    ]
    welfare = org("city-welfare", "市政府社會局 City Social Welfare Department", K.WELFARE_DEPARTMENT)
    agency_a = org("agency-a", "家庭關懷協會 Family Care Association", K.AGENCY, welfare, north)
    agency_b = org("agency-b", "青少年服務中心 Youth Service Centre", K.AGENCY, welfare, south)
    teams = [
        org("team-n1", "北區家庭社工一組 North Family Team 1", K.TEAM, agency_a, north),
        org("team-n2", "北區家庭社工二組 North Family Team 2", K.TEAM, agency_a, north),
        org("team-s1", "南區青少年社工組 South Youth Team", K.TEAM, agency_b, south),
        org("team-s2", "南區家庭社工組 South Family Team", K.TEAM, agency_b, south),
    ]
    year = timezone.localdate().year
    for d, name in [((1, 1), "元旦 New Year's Day"), ((10, 10), "國慶日 National Day")]:
        for y in (year, year + 1):
            Holiday.objects.update_or_create(organization=welfare, date=datetime(y, *d).date(), defaults={"name": name})

    people = {
        "officer1": user("officer1", "志明", "陳", R.OFFICER, stations[0], phone="0912000001"),
        "officer2": user("officer2", "家豪", "林", R.OFFICER, stations[1], phone="0912000002"),
        "officer3": user("officer3", "俊傑", "黃", R.OFFICER, stations[2], phone="0912000003"),
        "stationhead1": user("stationhead1", "建國", "王", R.SUPERVISOR, stations[0]),
        "precinct1": user("precinct1", "文雄", "張", R.SUPERVISOR, p1),
        "worker1": user("worker1", "淑芬", "李", R.SOCIAL_WORKER, teams[0], phone="0922000001"),
        "worker2": user("worker2", "雅婷", "吳", R.SOCIAL_WORKER, teams[0], phone="0922000002"),
        "worker3": user("worker3", "怡君", "劉", R.SOCIAL_WORKER, teams[1], phone="0922000003"),
        "worker4": user("worker4", "美玲", "蔡", R.SOCIAL_WORKER, teams[2], phone="0922000004"),
        "worker5": user("worker5", "佳穎", "楊", R.SOCIAL_WORKER, teams[3], phone="0922000005"),
        "supervisor1": user("supervisor1", "秀英", "許", R.SUPERVISOR, agency_a),
        "supervisor2": user("supervisor2", "麗華", "鄭", R.SUPERVISOR, agency_b),
        "coordinator1": user("coordinator1", "宗翰", "謝", R.INTAKE_COORDINATOR, welfare),
        "admin": user("admin", "系統", "管理員", R.ADMINISTRATOR, None, is_staff=True, is_superuser=True),
    }
    # The coordinator screens the centralised (south) district.
    welfare_south = org(
        "welfare-south-intake", "南區集中派案窗口 South Intake Desk", K.WELFARE_DEPARTMENT, welfare, south
    )
    people["coordinator1"].organization = welfare_south
    people["coordinator1"].save(update_fields=["organization"])
    world.update(districts=[north, south], stations=stations, teams=teams, precincts=[p1, p2], people=people)


@register(order=20)
def on_call_week(world):
    """On-call shifts for the coming week: 18:00 to 09:00 next morning, crossing midnight."""
    people, teams = world["people"], world["teams"]
    rota = {
        teams[0]: [people["worker1"], people["worker2"]],
        teams[1]: [people["worker3"]],
        teams[2]: [people["worker4"]],
        teams[3]: [people["worker5"]],
    }
    today = timezone.localdate()
    for team, workers in rota.items():
        tz = team.tz
        for offset in range(-1, 8):
            day = today + timedelta(days=offset)
            start = datetime.combine(day, time(18, 0), tzinfo=tz)
            end = datetime.combine(day + timedelta(days=1), time(9, 0), tzinfo=tz)
            worker = workers[offset % len(workers)]
            OnCallShift.objects.update_or_create(
                team=team, starts_at=start, defaults={"worker": worker, "ends_at": end}
            )


def seed(stdout=None):
    world = {}
    with transaction.atomic():
        for _, step in sorted(_steps, key=lambda s: s[0]):
            step(world)
    return world
