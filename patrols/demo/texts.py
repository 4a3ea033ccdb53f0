"""The patrol demo's words and numbers: people, habits, places, notes and activities, in Traditional Chinese."""

from datetime import timedelta

H = timedelta(hours=1)


M = timedelta(minutes=1)


D = timedelta(days=1)


REPORT_SWEEPS = ("monthly_reports",)


SHORT = {
    "station-n1": ("N1", "中山"),
    "station-n2": ("N2", "民生"),
    "station-s1": ("S1", "興隆"),
    "station-s2": ("S2", "光明"),
}


HEADS = {"station-n1": "stationhead1", "station-n2": "precinct1", "station-s1": "precinct2", "station-s2": "precinct2"}


OFFICERS = {"station-n1": "officer1", "station-n2": "officer2", "station-s1": "officer3", "station-s2": "officer4"}


CADENCE = {"high": 30, "medium": 60, "low": 90}


EVALUATION_ITEMS = [("治安顧慮人口訪查達成率", 40), ("治安重點處所查察", 30), ("社區治安工作", 30)]


HABITS = [
    "晝伏夜出，常於深夜出入網咖。",
    "嗜酒，常在公園涼亭飲酒。",
    "無固定工作，以打零工維生。",
    "假日多待在住處，平日騎機車外出。",
]


ASSOCIATES = ["與同案共犯陳姓男子仍有往來。", "常與附近檳榔攤友人聚集。", "", ""]


HAUNTS = ["市場周邊撞球場", "夜市附近網咖", "河濱公園", "廟口廣場"]


SIDE_VISITS = [
    "向鄰居側訪，稱其近日正常上下班，未見異狀。",
    "向管理員側訪，稱其最近較少出門。",
    "向里長側訪，稱其仍住原址，近來作息正常。",
]


MEET_NOTES = ["本人在家，態度配合，近況穩定。", "本人表示已找到工作，作息規律。", "本人在家，家人表示近期無異狀。", ""]


CHILD_NOTES = ["孩子由祖母照顧，衣著整潔，已就學。", "孩子放學後由鄰居代為照顧，生活作息尚可。"]


LOCATIONS = [
    ("rental_building", "{area}套房出租大樓"),
    ("subdivided_suite", "{street}分租套房"),
    ("vacant_house", "{street}空屋"),
    ("work_shed", "{street}鐵皮工寮"),
    ("special_industry", "{street}當鋪"),
]


INSPECTION_NOTES = ["現場無異狀。", "出入人員正常，已與管理員聯繫。", "門窗緊閉，持續注意。", ""]


ACTIVITIES = [
    ("meeting", "里民活動中心", ["fraud", "traffic"]),
    ("briefing", "社區公園", ["fraud"]),
    ("briefing", "國小禮堂", ["child_safety", "domestic_violence"]),
    ("event", "廟口廣場", ["drugs"]),
    ("watch_patrol", "轄區巡守路線", []),
]
