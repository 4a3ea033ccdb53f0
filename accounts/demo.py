"""The demo city used by ``manage.py seed_demo``.

Apps add their steps under ``hooks.DEMO_DATA`` and their record counts as ``Summary`` under
``hooks.DEMO_SUMMARY`` in their ``hooks.py``; every step must be idempotent. A step that makes history
schedules service calls on ``world["timeline"]`` (``timeline.at(when, func, ...)``); the last step
replays them in time order, each under ``time_machine.travel(when)``, and fires the timer sweeps
at their due times in between. So every event, SLA deadline, escalation and alert carries the
moment it would have had, and nothing is edited afterwards.

Everything is drawn from seeded random streams (``rng(name)``): the same city on every run,
relative to the day it is built.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import time_machine
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from accounts import hooks, timers
from accounts.models import District, Holiday, Notification, OnCallShift, Organization, User
from accounts.services import inbox_only

DEMO_PASSWORD = "demo-pass-2026"
SEED = 2026
HISTORY_DAYS = 183  # six months


@dataclass(frozen=True)
class Summary:
    """A line of the demo's record counts: ``count()`` returns a number or a short text."""

    label: str
    count: Callable[[], object]


def summarise():
    """(label, value) for every registered count, in order."""
    return [(s.label, s.count()) for s in hooks.get_hooks(hooks.DEMO_SUMMARY)]


def rng(name):
    """A random stream of its own for each part of the demo: the same draws on every run."""
    return random.Random(f"{SEED}:{name}")


# --- replaying history -------------------------------------------------------------------------
class Timeline:
    """Service calls replayed in time order, each with the clock frozen at its own moment."""

    def __init__(self, now):
        self.now = now
        self._day = None
        self._swept = {}  # sweep name -> everything due up to this instant has fired
        self._actions = []

    def __len__(self):
        return len(self._actions)

    def at(self, when, func, *args, sweeps=None, **kwargs):
        """Schedule ``func(*args, **kwargs)`` at ``when``; what lies in the future has not happened yet.

        Before it runs, the timers named in ``sweeps`` (all by default; none with ``()``) fire what
        was due by then: name those whose deadlines the call depends on. Every timer is brought up
        to date at least once a day anyway, and each step fires at its own due time.
        """
        if when <= self.now:
            self._actions.append((when, len(self._actions), func, args, kwargs, sweeps))
        return when

    def run(self):
        actions, self._actions = sorted(self._actions, key=lambda a: a[:2]), []
        for when, _seq, func, args, kwargs, sweeps in actions:
            day = timezone.localdate(when)
            if day != self._day:
                self._day, sweeps = day, None
            self.fire_timers(when, sweeps)
            self.travel(when, func, *args, **kwargs)
        self.fire_timers(self.now)
        # Sweeps whose deadlines have no due-time query (e.g. follow-ups) run once, as the timer loop would.
        for sweep in timers.registered().values():
            self.travel(self.now, sweep.run, self.now)

    @staticmethod
    def travel(when, func, *args, **kwargs):
        with time_machine.travel(when, tick=False):
            return func(*args, **kwargs)

    def fire_timers(self, until, names=None):
        """Every timer due by ``until`` fires at its due time, as the one-minute sweep would have done.

        A deadline that was already past when it was set fires when the sweep first sees it.
        """
        for name, sweep in timers.registered().items():
            if names is not None and name not in names or sweep.oldest_overdue is None:
                continue
            swept = self._swept.get(name)
            for _ in range(100_000):
                due = sweep.oldest_overdue(now=until)
                if due is None:
                    break
                at = max(due, swept) if swept else due
                self.travel(at, sweep.run, at)
            else:
                raise RuntimeError(f"The {name} sweep does not clear its own deadlines.")
            self._swept[name] = until


def moment(world, days, hours=0.0):
    """The instant ``days`` (and ``hours``) after the start of the demo's history, local time."""
    return world["start"] + timedelta(days=days, hours=hours)


def moment_on(day, hour, tz, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def working_time(t, r, tz, spread=1.5):
    """The next working moment (Mon–Fri 09:00–17:30) at or after ``t``; a little into the day if moved."""
    local = t.astimezone(tz)
    moved = False
    while local.weekday() >= 5 or not (time(9, 0) <= local.time() < time(17, 30)):
        moved = True
        day = local.date() if local.time() < time(9, 0) else local.date() + timedelta(days=1)
        local = datetime.combine(day, time(9, 0), tzinfo=tz)
    return local + timedelta(hours=r.uniform(0, spread)) if moved else local


# --- fictional people and places ------------------------------------------------------------------
SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋鄧"
)
GIVEN = {
    ("female", "old"): ["秋月", "玉蘭", "麗珠", "春嬌", "月娥", "素琴", "阿珠", "金蓮", "寶玉", "碧霞"],
    ("female", "adult"): [
        "淑惠",
        "美華",
        "雅雯",
        "怡婷",
        "佩君",
        "欣怡",
        "慧玲",
        "靜宜",
        "惠如",
        "淑娟",
        "家瑜",
        "雅惠",
    ],
    ("female", "young"): [
        "品妍",
        "語彤",
        "子晴",
        "筱涵",
        "思妤",
        "心妤",
        "芯瑜",
        "詩涵",
        "宜蓁",
        "羽彤",
        "可晴",
        "以恩",
    ],
    ("male", "old"): ["金龍", "正雄", "萬福", "清水", "火旺", "阿土", "天來", "進財", "榮華", "水木"],
    ("male", "adult"): ["志豪", "俊宏", "建志", "家銘", "文彬", "明德", "國華", "信宏", "振興", "宗憲", "政達", "嘉偉"],
    ("male", "young"): ["冠宇", "承恩", "宥廷", "柏翰", "宇軒", "品睿", "子翔", "育誠", "彥廷", "昱辰", "品安", "睿恩"],
}

CITY = {"north": "台北市中山區", "south": "高雄市"}
STREETS = {
    "station-n1": [
        "中山北路二段",
        "林森北路",
        "長安東路一段",
        "南京東路一段",
        "錦州街",
        "天津街",
        "新生北路二段",
        "農安街",
        "雙城街",
    ],
    "station-n2": [
        "民生東路二段",
        "松江路",
        "吉林路",
        "龍江路",
        "建國北路二段",
        "伊通街",
        "朱崙街",
        "復興北路",
        "遼寧街",
    ],
    "station-s1": [
        "前鎮區中華五路",
        "前鎮區瑞隆路",
        "前鎮區翠亨北路",
        "前鎮區擴建路",
        "前鎮區光華二路",
        "前鎮區凱旋四路",
        "前鎮區班超路",
        "前鎮區瑞南街",
    ],
    "station-s2": [
        "苓雅區光華一路",
        "苓雅區四維三路",
        "苓雅區輔仁路",
        "苓雅區福德三路",
        "苓雅區三多二路",
        "苓雅區英明路",
        "苓雅區武廟路",
        "苓雅區建軍路",
    ],
}
PLACES = {
    "north": ["晴光市場", "中山國小", "林森公園", "捷運中山站", "行天宮", "榮星花園", "民生社區活動中心", "新生公園"],
    "south": [
        "光華夜市",
        "前鎮運動公園",
        "凱旋醫院",
        "捷運獅甲站",
        "輔仁路傳統市場",
        "苓雅運動公園",
        "衛武營",
        "勞工公園",
    ],
}


def generation(age):
    return "young" if age < 25 else "adult" if age < 60 else "old"


def person_name(r, sex, age, surname=None):
    return (surname or r.choice(SURNAMES)) + r.choice(GIVEN[(sex, generation(age))])


def address(r, station_code, district_code):
    city = CITY[district_code]
    text = city + r.choice(STREETS[station_code])
    roll = r.random()
    if roll < 0.35:
        text += f"{r.randint(1, 300)}巷"
        if roll < 0.12:
            text += f"{r.randint(1, 40)}弄"
    text += f"{r.randint(1, 280)}號"
    if r.random() < 0.6:
        text += f"{r.randint(2, 14)}樓"
        if r.random() < 0.15:
            text += f"之{r.randint(1, 6)}"
    return text


def mobile(r):
    return f"09{r.randint(10, 89)}{r.randint(0, 999999):06d}"


def place(r, district_code):
    return r.choice(PLACES[district_code])


# --- organisations and people ------------------------------------------------------------------
def org(code, name, kind, parent=None, district=None, **extra):
    obj, _ = Organization.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent, "district": district, **extra}
    )
    return obj


def _shared_password_hash(usernames):
    """The demo password hashed once and shared by every demo user: hashing is slow on purpose."""
    for encoded in User.objects.filter(username__in=usernames).values_list("password", flat=True).distinct()[:3]:
        if encoded and check_password(DEMO_PASSWORD, encoded):
            return encoded
    return make_password(DEMO_PASSWORD)


def make_people(specs):
    """Create or refresh users from (username, first, last, role, organization, extra) specs."""
    password = _shared_password_hash([s[0] for s in specs])
    people = {}
    for username, first, last, role, organization, extra in specs:
        obj, _ = User.objects.update_or_create(
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
        if obj.password != password:
            obj.password = password
            obj.save(update_fields=["password"])
        people[username] = obj
    return people


HOLIDAYS = [
    ((1, 1), "元旦 New Year's Day"),
    ((2, 28), "和平紀念日 Peace Memorial Day"),
    ((4, 4), "兒童節 Children's Day"),
    ((5, 1), "勞動節 Labour Day"),
    ((10, 10), "國慶日 National Day"),
]


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
    # The coordinator screens the centralised (south) district.
    welfare_south = org(
        "welfare-south-intake", "南區集中派案窗口 South Intake Desk", K.WELFARE_DEPARTMENT, welfare, south
    )
    year = timezone.localdate().year
    for (month, day), name in HOLIDAYS:
        for y in (year - 1, year, year + 1):
            Holiday.objects.update_or_create(
                organization=welfare, date=datetime(y, month, day).date(), defaults={"name": name}
            )

    s = stations
    people = make_people(
        [
            ("officer1", "志明", "陳", R.OFFICER, s[0], {"phone": "0912000001"}),
            ("officer2", "家豪", "林", R.OFFICER, s[1], {"phone": "0912000002"}),
            ("officer3", "俊傑", "黃", R.OFFICER, s[2], {"phone": "0912000003"}),
            ("officer4", "冠廷", "周", R.OFFICER, s[3], {"phone": "0912000004"}),
            ("stationhead1", "建國", "王", R.SUPERVISOR, s[0], {}),
            ("precinct1", "文雄", "張", R.SUPERVISOR, p1, {}),
            ("precinct2", "國忠", "郭", R.SUPERVISOR, p2, {}),
            ("worker1", "淑芬", "李", R.SOCIAL_WORKER, teams[0], {"phone": "0922000001"}),
            ("worker2", "雅婷", "吳", R.SOCIAL_WORKER, teams[0], {"phone": "0922000002"}),
            ("worker3", "怡君", "劉", R.SOCIAL_WORKER, teams[1], {"phone": "0922000003"}),
            ("worker4", "美玲", "蔡", R.SOCIAL_WORKER, teams[2], {"phone": "0922000004"}),
            ("worker5", "佳穎", "楊", R.SOCIAL_WORKER, teams[3], {"phone": "0922000005"}),
            ("supervisor1", "秀英", "許", R.SUPERVISOR, agency_a, {}),
            ("supervisor2", "麗華", "鄭", R.SUPERVISOR, agency_b, {}),
            ("coordinator1", "宗翰", "謝", R.INTAKE_COORDINATOR, welfare_south, {}),
            ("admin", "系統", "管理員", R.ADMINISTRATOR, None, {"is_staff": True, "is_superuser": True}),
        ]
    )
    now = timezone.now()
    tz = timezone.get_current_timezone()
    start_day = timezone.localdate(now) - timedelta(days=HISTORY_DAYS)
    world.update(
        districts=[north, south],
        stations=stations,
        teams=teams,
        precincts=[p1, p2],
        people=people,
        now=now,
        today=timezone.localdate(now),
        start=datetime.combine(start_day, time.min, tzinfo=tz),
        timeline=Timeline(now),
    )


def on_call_rota(world):
    """On-call shifts, 18:00 to 09:00 next morning (crossing midnight), over the history and the coming week."""
    people, teams = world["people"], world["teams"]
    rota = {
        teams[0]: [people["worker1"], people["worker2"]],
        teams[1]: [people["worker3"]],
        teams[2]: [people["worker4"]],
        teams[3]: [people["worker5"]],
    }
    existing = set(OnCallShift.objects.filter(team__in=teams).values_list("team_id", "starts_at"))
    today = world["today"]
    new = []
    for team, workers in rota.items():
        tz = team.tz
        for offset in range(-HISTORY_DAYS - 1, 8):
            day = today + timedelta(days=offset)
            start = datetime.combine(day, time(18, 0), tzinfo=tz)
            if (team.pk, start) in existing:
                continue
            end = datetime.combine(day + timedelta(days=1), time(9, 0), tzinfo=tz)
            new.append(
                OnCallShift(team=team, starts_at=start, ends_at=end, worker=workers[day.toordinal() % len(workers)])
            )
    OnCallShift.objects.bulk_create(new)


def replay_history(world):
    """Run what the apps scheduled, in time order; the notices it leaves go to inboxes, not by e-mail."""
    timeline = world["timeline"]
    if not len(timeline):
        return
    first_notice = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with inbox_only():
        timeline.run()
    # What is more than two days old has been read.
    Notification.objects.filter(
        pk__gt=first_notice, read_at__isnull=True, created_at__lt=world["now"] - timedelta(days=2)
    ).update(read_at=F("created_at") + timedelta(hours=1))


def count_users():
    return User.objects.count()


def seed(stdout=None):
    world = {}
    # Tens of thousands of queries: no debug query log (on SQLite it costs a second query each).
    with override_settings(DEBUG=False), transaction.atomic():
        for step in hooks.get_hooks(hooks.DEMO_DATA):
            step(world)
    return world
