"""The safety demo's words and numbers: risk flags, escort answers and hazard events, in Traditional Chinese."""

from datetime import timedelta

from safety.models import (
    RiskSource,
)

H = timedelta(hours=1)


M = timedelta(minutes=1)


D = timedelta(days=1)


VISIT_SWEEPS = ("lone_worker",)  # the timer a visit step may depend on


FLAGS = {
    "domestic_violence": ("violence", RiskSource.POLICE, "相對人有家暴前科，曾違反保護令。", 180),
    "substance_use": ("substance", RiskSource.OBSERVATION, "案主酒後易怒，家訪請避開晚間並兩人同行。", 120),
    "mental_health": ("psychiatric", RiskSource.AGENCY, "精神科就診紀錄，曾強制住院；情緒失控時會丟擲物品。", 180),
    "suicide_risk": ("self_harm", RiskSource.AGENCY, "曾有自殺企圖，訪視時留意危險物品。", 90),
}


EXTRA_FLAGS = [
    ("weapon", RiskSource.POLICE, "家中曾查獲開山刀，相對人有持刀恐嚇紀錄。"),
    ("animal", RiskSource.OBSERVATION, "院內飼養兩隻大型犬，未繫繩。"),
    ("threats", RiskSource.AGENCY, "案主曾揚言對社工不利。"),
]


LATE_FLAG_OVERRIDE = "風險註記於規劃訪視後新增；已電話確認案家狀況穩定，同意單獨訪視並保持聯繫。"


ESCORT_DECLINES = ["當日警力支援大型活動，無法派員陪同。", "同時段有重大刑案處理中，請改期或另洽分局。"]


OVERRIDE_REASON = "警方當日無法陪同，經評估案家近期穩定，同意單獨訪視；全程開啟定位，每30分鐘回報。"


# (days ago, team, types, injury, place, narrative, media reports, police report, offender from the case)
EVENTS = [
    (
        170,
        "team-n2",
        ["intimidation"],
        "none",
        "電話",
        "相對人得知社工介入後，多次致電辦公室揚言要讓社工好看。",
        0,
        False,
        True,
    ),
    (
        150,
        "team-s1",
        ["irrational_petitioning"],
        "none",
        "社福中心",
        "案家不滿服務結果，一週內撥打陳情專線二十餘次並指名辱罵社工。",
        0,
        False,
        False,
    ),
    (
        131,
        "team-s2",
        ["physical_attack"],
        "minor",
        "案家住處",
        "家訪時案主情緒激動推擠社工，社工手臂撞到門框擦傷，隨即離開並通報督導。",
        0,
        True,
        True,
    ),
    (
        115,
        "team-n1",
        ["reputation"],
        "none",
        "網路社群",
        "案主家屬於臉書社團張貼社工照片及不實指控，已請平台移除並保存證據。",
        0,
        False,
        False,
    ),
    (97, "team-s1", ["property_loss"], "none", "案家住處", "訪視時公務手機遭案家成員搶走摔壞。", 0, True, True),
    (
        80,
        "team-n2",
        ["physical_attack"],
        "minor",
        "案家門口",
        "案主之子酒後出手揮打，社工閃避時跌倒擦傷膝蓋。",
        0,
        True,
        True,
    ),
    (
        48,
        "team-n1",
        ["physical_attack"],
        "minor",
        "案家住處",
        "會談中相對人突然返家，情緒失控推倒社工，社工右手腕扭傷。",
        0,
        True,
        True,
    ),
    (
        36,
        "team-n1",
        ["physical_attack", "intimidation"],
        "minor",
        "社福中心會談室",
        "相對人闖入會談室要求交出被害人住址，拉扯社工致頸部抓傷，並揚言報復。",
        1,
        True,
        True,
    ),
    (
        20,
        "team-s1",
        ["other"],
        "none",
        "捷運站",
        "社工下班途中遭案主尾隨至捷運站，經站務人員協助後離開。",
        0,
        True,
        False,
    ),
    (
        9,
        "team-n2",
        ["irrational_petitioning"],
        "none",
        "社福中心",
        "案主每日到中心要求更換社工並大聲叫罵，影響其他民眾洽公。",
        0,
        False,
        False,
    ),
    (3, "team-s2", ["intimidation"], "none", "電話", "案主丈夫來電恐嚇，稱知道社工住在哪裡。", 0, True, True),
]


WORKERS = {"team-n1": "worker1", "team-n2": "worker3", "team-s1": "worker4", "team-s2": "worker5"}
