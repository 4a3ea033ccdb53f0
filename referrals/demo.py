"""Demo referrals: six months of a city's referrals, replayed through the services.

Every case is planned first (all random draws happen here, so the city is the same on every
run), then its steps are put on the demo timeline: filing, dispatch by the intake coordinator,
acknowledgement (late for some, so the escalation sweep fires in between and a supervisor takes
the escalation), acceptance, first contact, case notes, transfer, decline and redirect,
cancellation and closing. A step planned after "now" has not happened yet, so recent cases are
still open at the stage they have reached.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from accounts import demo
from accounts.models import Approval
from accounts.services import decide_approval
from referrals import services
from referrals.models import (
    DEFAULT_SLA,
    Category,
    DeclineReason,
    Household,
    Outcome,
    Person,
    Referral,
    ReferralEscalation,
    ReferralEvent,
    ReferralPerson,
    SLAPolicy,
    StationTeamMatch,
    Status,
)

CASE_COUNT = 400
OFFICERS = {"station-n1": "officer1", "station-n2": "officer2", "station-s1": "officer3", "station-s2": "officer4"}
H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)

C = Category
CATEGORY_WEIGHTS = {
    C.FAMILY_CONFLICT: 15,
    C.DOMESTIC_VIOLENCE: 12,
    C.CHILD_PROTECTION: 9,
    C.JUVENILE: 10,
    C.MENTAL_HEALTH: 8,
    C.SUICIDE_RISK: 4,
    C.ELDERLY: 10,
    C.DISPUTE: 12,
    C.SUBSTANCE_USE: 5,
    C.VULNERABLE_FAMILY: 8,
    C.APPROPRIATE_ADULT: 3,
    C.OFFICER_WELLBEING: 1,
    C.OTHER: 3,
}
# Chances of triage level 1, 2, 3 per category.
LEVEL_WEIGHTS = {
    C.DOMESTIC_VIOLENCE: (45, 45, 10),
    C.CHILD_PROTECTION: (50, 40, 10),
    C.SUICIDE_RISK: (70, 30, 0),
    C.APPROPRIATE_ADULT: (100, 0, 0),
    C.MENTAL_HEALTH: (30, 50, 20),
    C.JUVENILE: (10, 40, 50),
    C.FAMILY_CONFLICT: (5, 35, 60),
    C.ELDERLY: (10, 40, 50),
    C.DISPUTE: (0, 15, 85),
    C.SUBSTANCE_USE: (10, 50, 40),
    C.VULNERABLE_FAMILY: (5, 35, 60),
    C.OFFICER_WELLBEING: (0, 30, 70),
    C.OTHER: (0, 30, 70),
}
# The south youth team takes young people; the family team everything else.
YOUTH_CATEGORIES = {C.JUVENILE, C.APPROPRIATE_ADULT, C.SUBSTANCE_USE}
# A second call about the same family is often about something related.
FOLLOWS = {
    C.FAMILY_CONFLICT: [C.FAMILY_CONFLICT, C.DOMESTIC_VIOLENCE, C.CHILD_PROTECTION],
    C.DOMESTIC_VIOLENCE: [C.DOMESTIC_VIOLENCE, C.CHILD_PROTECTION, C.FAMILY_CONFLICT],
    C.CHILD_PROTECTION: [C.CHILD_PROTECTION, C.VULNERABLE_FAMILY],
    C.JUVENILE: [C.JUVENILE, C.APPROPRIATE_ADULT, C.FAMILY_CONFLICT],
    C.MENTAL_HEALTH: [C.MENTAL_HEALTH, C.SUICIDE_RISK],
    C.ELDERLY: [C.ELDERLY, C.VULNERABLE_FAMILY],
    C.DISPUTE: [C.DISPUTE],
    C.SUBSTANCE_USE: [C.SUBSTANCE_USE, C.DOMESTIC_VIOLENCE, C.CHILD_PROTECTION],
    C.VULNERABLE_FAMILY: [C.VULNERABLE_FAMILY, C.CHILD_PROTECTION],
}

# --- narratives: {subject} {age} {other} {child} {child_age} {place} -------------------------------
NARRATIVES = {
    C.FAMILY_CONFLICT: [
        "接獲110報案，{subject}（{age}歲）與配偶{other}因家中經濟問題發生激烈口角，鄰居聽到摔東西聲音後報警。"
        "到場時雙方情緒已平復，無明顯外傷。{subject}表示近期失業、壓力很大，同意由社工聯繫。",
        "{subject}（{age}歲）與成年兒子{other}因生活習慣及金錢問題長期爭執，今日再度爭吵，兒子情緒激動踢壞房門。"
        "雙方均無受傷，{subject}希望有人協助處理親子關係。",
        "{subject}與媳婦{other}因照顧孫子的方式意見不合爭吵，{subject}哭泣要求員警協助。"
        "現場勸導後暫時平息，案家同意社工後續關懷。",
        "{subject}（{age}歲）與{other}協議離婚中，為子女探視時間發生爭執，{other}帶走孩子後未依約送回，{subject}到所求助。"
        "已協助聯繫對方，孩子平安，建議社工協助會面交往安排。",
    ],
    C.DOMESTIC_VIOLENCE: [
        "{subject}（{age}歲）遭同居人{other}酒後徒手毆打，臉部及手臂有瘀傷，已陪同前往醫院驗傷並協助聲請保護令。"
        "被害人目前暫住親友家，擔心返家後再受暴，需社工安全評估。",
        "{subject}表示長期遭配偶{other}言語恐嚇並控制金錢，今日對方持菜刀揚言同歸於盡，員警到場將相對人帶回偵訊。"
        "家中兩名國小子女目睹，需社工協助安全計畫。",
        "鄰居報案聽見女子呼救，到場發現{subject}（{age}歲）頸部有掐痕，相對人{other}已離開現場。"
        "被害人拒絕驗傷但同意社工聯繫，表示暫無其他住處可去。",
        "{subject}（{age}歲）遭前夫{other}跟蹤至工作地點並當眾辱罵，已違反保護令，相對人經逮捕移送。"
        "被害人情緒恐慌，需社工陪同出庭及安全評估。",
    ],
    C.CHILD_PROTECTION: [
        "超商店員報案，{child}（{child_age}歲）深夜獨自在店內逗留，自稱家長外出工作未歸。"
        "經聯繫母親{subject}於凌晨返家接回，家中環境髒亂，疑有照顧疏忽情形。",
        "學校通報{child}（{child_age}歲）手臂多處瘀傷，孩子表示是父親管教時用衣架打的。"
        "員警已訪談導師，父親{subject}否認施暴，需社工進行兒少保護調查。",
        "{child}（{child_age}歲）在{place}獨自哭泣，表示父母吵架後離家，衣著單薄、未用晚餐。"
        "已聯繫家長{subject}到場接回，請社工評估家庭照顧功能。",
    ],
    C.JUVENILE: [
        "{subject}（{age}歲）深夜於網咖逗留，經查已連續多日未到校，家長{other}表示管教無力。少年態度配合，同意社工聯繫。",
        "{subject}（{age}歲）與同學在{place}附近發生鬥毆，對方輕傷，已通知家長到所。"
        "少年近期結交校外人士，家長擔心其受不良組織吸收，希望社工介入輔導。",
        "{subject}（{age}歲）於賣場竊取零食遭店家扭送，初犯且坦承犯行。單親母親{other}工作時間長，少年放學後多獨自在外遊蕩。",
    ],
    C.MENTAL_HEALTH: [
        "{subject}（{age}歲）在住處大聲咆哮、亂丟物品，家屬{other}表示其有思覺失調症病史，近一個月自行停藥。"
        "員警會同救護人員到場送醫評估，家屬需要後續照護資源。",
        "鄰居多次反映{subject}（{age}歲）深夜敲打牆壁、自言自語，到場時其情緒不穩但無攻擊行為。"
        "本人拒絕就醫，獨居無家屬同住，請社工評估支持需求。",
        "{subject}（{age}歲）在{place}與路人爭吵並情緒失控，經勸導後由家屬{other}帶回。家屬表示其躁鬱症病情近期加重。",
    ],
    C.SUICIDE_RISK: [
        "{subject}（{age}歲）傳訊息向友人表示「活著沒有意義」，友人報案後員警於住處尋獲，現場發現大量安眠藥。"
        "已送醫觀察，本人同意社工後續關懷。",
        "{subject}（{age}歲）站在{place}附近天橋欄杆外，經員警及消防人員勸說約四十分鐘後返回安全處。"
        "表示近期因債務及感情問題壓力很大，需緊急關懷並轉介心理諮商。",
    ],
    C.ELDERLY: [
        "{subject}（{age}歲）於{place}附近徘徊，無法說出住址，經查得身分後送返住處。"
        "家屬{other}表示長者有失智症狀，白天獨自在家無人照顧。",
        "獨居長者{subject}（{age}歲）數日未出門，里長請員警協助查看，入內發現長者跌倒在地、意識清楚但無法起身，已送醫。"
        "長者無子女同住，出院後需照顧安排。",
        "{subject}（{age}歲）遭假冒檢警詐騙匯出存款二十萬元，情緒低落並擔心生活費。請社工協助經濟及情緒支持。",
    ],
    C.DISPUTE: [
        "{subject}（{age}歲）與樓上住戶{other}因漏水及噪音問題多次爭吵，今日雙方在樓梯間互相推擠，經勸導後分開。雙方均同意嘗試調解。",
        "{subject}與房東{other}因押金返還及修繕費用發生糾紛，房東更換門鎖致其無法入內。"
        "已協助雙方溝通，{subject}帶著子女暫無處可去，需社工協助。",
        "{subject}與鄰居{other}因停車位及垃圾堆放問題長期不睦，本月已第三度報案。雙方情緒對立，里長建議由社工協助社區調解。",
    ],
    C.SUBSTANCE_USE: [
        "{subject}（{age}歲）酒後在{place}鬧事，經查已多次因酒醉滋擾被報案。家屬{other}表示其長期酗酒、無法工作，希望協助戒酒治療。",
        "{subject}（{age}歲）因施用第二級毒品經查獲，家中有一名{child_age}歲幼兒{child}，平日由祖母協助照顧。"
        "需社工評估兒童照顧情形及戒癮資源。",
    ],
    C.VULNERABLE_FAMILY: [
        "員警家戶訪查時發現{subject}一家住在頂樓鐵皮加蓋，{subject}受傷無法工作已三個月，積欠房租及水電費，"
        "孩子{child}（{child_age}歲）午餐依賴學校。請社工協助經濟扶助及資源連結。",
        "{subject}（{age}歲）單親照顧身心障礙的孩子{child}，近期因照顧壓力大在派出所前哭泣求助，表示已無力負擔醫療費用。",
        "{subject}（{age}歲）因車禍失去工作，家中積欠醫療費，兩名子女就讀國中，近日遭斷電。需急難救助。",
    ],
    C.APPROPRIATE_ADULT: [
        "少年{subject}（{age}歲）涉嫌竊盜到案說明，家長{other}聯繫未果，依規定需合適成年人陪同詢問，請社工儘速到所。",
        "{subject}（{age}歲）具輕度智能障礙，涉及傷害案件需製作筆錄，家屬無法到場，請社工擔任合適成年人陪同。",
    ],
    C.OFFICER_WELLBEING: [
        "同仁{subject}近期連續處理兩件死亡案件，出現失眠及情緒低落情形，所長建議轉介社工提供關懷與減壓資源。",
    ],
    C.OTHER: [
        "{subject}（{age}歲）為新住民，與家人溝通困難，至派出所詢問居留及家庭問題，語言不通、情緒焦慮，請社工協助聯繫通譯及資源。",
        "{subject}（{age}歲）遭網路交友詐騙後情緒崩潰，擔心家人責怪不敢回家。已陪同報案，需社工情緒支持。",
    ],
}
REPEAT_PREFIX = "案家於{days}天前曾因「{before}」轉介（{reference}）。"
# Stored in the narrative, so in the language of the narrative whatever the filer's interface language.
CATEGORY_NAMES = {
    C.JUVENILE: "少年偏差行為",
    C.FAMILY_CONFLICT: "家庭衝突",
    C.DOMESTIC_VIOLENCE: "家庭暴力",
    C.CHILD_PROTECTION: "兒少保護",
    C.MENTAL_HEALTH: "精神危機",
    C.SUICIDE_RISK: "自殺風險",
    C.ELDERLY: "長者照顧",
    C.DISPUTE: "鄰里糾紛",
    C.SUBSTANCE_USE: "藥酒癮",
    C.VULNERABLE_FAMILY: "脆弱家庭",
    C.APPROPRIATE_ADULT: "合適成年人陪同",
    C.OFFICER_WELLBEING: "員警身心關懷",
    C.OTHER: "其他",
}

RISKS = {
    C.DOMESTIC_VIOLENCE: (["violence"], "相對人有暴力前科，曾違反保護令。"),
    C.SUBSTANCE_USE: (["substances"], "案主酒後易怒，家訪請避開晚間。"),
    C.SUICIDE_RISK: (["self_harm"], "曾有自殺企圖。"),
    C.MENTAL_HEALTH: (["violence"], "情緒失控時曾丟擲物品。"),
}

RESOURCES = [
    "市立聯合醫院精神科",
    "家庭暴力及性侵害防治中心",
    "社會局社會救助科",
    "長期照顧管理中心",
    "毒品危害防制中心",
    "少年輔導委員會",
    "法律扶助基金會",
    "心理衛生中心",
    "新住民家庭服務中心",
]
OUTCOME_SUMMARIES = {
    Outcome.GOT_HELP: [
        "已與案家完成需求評估並擬定服務計畫，目前定期訪視，案家狀況穩定。",
        "已協助申請急難救助及物資，案主同意持續接受服務，如再有狀況會主動聯繫。",
        "案主已穩定就醫並按時服藥，家屬照顧壓力減輕，服務目標達成。",
    ],
    Outcome.MEDIATED: [
        "已邀請雙方至社區活動中心協調，達成書面共識，雙方同意依約定處理。",
        "經兩次協調會談，雙方就費用分擔及生活公約取得共識，近一個月無再發生衝突。",
    ],
    Outcome.REFERRED_ON: ["已轉介{resource}提供後續服務，本單位結案。"],
    Outcome.COULD_NOT_CONTACT: ["電訪五次及家訪兩次均未遇，留下聯絡資料未獲回覆，暫予結案。如有新聯絡方式請再轉介。"],
    Outcome.DECLINED_SERVICE: ["已說明可提供之服務，案主表示由家人自行處理，暫不需要協助。"],
    Outcome.NOT_ELIGIBLE: ["經評估不符本單位服務資格，已告知案主可申請之其他資源。"],
    Outcome.NO_CAPACITY: ["本組目前案量已滿，已協調由其他單位接續服務。"],
    Outcome.MOVED_AWAY: ["案家已搬離轄區，已通知新住所所在地社福中心。"],
}
OUTCOME_WEIGHTS = {
    Outcome.GOT_HELP: 40,
    Outcome.MEDIATED: 12,
    Outcome.REFERRED_ON: 14,
    Outcome.COULD_NOT_CONTACT: 8,
    Outcome.DECLINED_SERVICE: 10,
    Outcome.NOT_ELIGIBLE: 5,
    Outcome.NO_CAPACITY: 3,
    Outcome.MOVED_AWAY: 5,
}
NOT_REACHED = (Outcome.COULD_NOT_CONTACT, Outcome.MOVED_AWAY)
INTERNAL_NOTES = [
    "電話聯繫案主，說明服務內容，約定本週家訪。",
    "家訪：居住環境尚可，案主情緒穩定，主要需求為經濟協助，已說明申請流程。",
    "與學校輔導老師聯繫，了解孩子在校出席及情緒狀況。",
    "案主表示相對人已搬離，已協助擬定安全計畫並提供緊急聯絡電話。",
    "陪同案主至區公所申請中低收入戶資格，資料已送件。",
    "督導討論：維持每週一次電訪，下月再評估是否結案。",
    "與里長聯繫，請其協助留意長者近況。",
    "案主今日未依約出現，再次電話聯繫後改約下週。",
    "連結食物銀行物資，案家已領取。",
    "與醫院社工聯繫，確認出院準備及居家照顧安排。",
]
ATTEMPT_NOTES = ["電話聯繫未接，留言請回電。", "家訪未遇，留下聯絡卡。", "再次電訪，電話已停話。"]
SHARED_NOTES = [
    "已與案家取得聯繫，近期將安排家訪。",
    "案主已接受服務，如再接獲報案請通知本組。",
    "已完成初次會談，案家同意持續接受服務。",
]
OFFICER_NOTES = [
    "案家今日再度來所詢問社工聯絡方式，已告知已由貴單位受理。",
    "補充：相對人已於昨日到案說明。",
    "補充：案主手機號碼已更換，請改聯繫家屬。",
]
DECLINE_NOTES = {
    DeclineReason.NOT_IN_REMIT: "屬單純民事糾紛，建議洽法律扶助基金會。",
    DeclineReason.INSUFFICIENT_INFORMATION: "聯絡資料不足，無法聯繫案主，請補充電話或地址。",
    DeclineReason.ALREADY_SERVED: "案家已由家防中心社工服務中，已將資訊轉知原承辦社工。",
    DeclineReason.OUTSIDE_AREA: "案家實際居住地不在本組服務區域。",
    DeclineReason.NO_CAPACITY: "本組社工人力已滿載，請協調其他團隊。",
    DeclineReason.DUPLICATE: "與先前轉介為同一事件，已併入原案處理。",
    DeclineReason.OTHER: "案主為機構安置中個案，由機構社工負責。",
}
CANCEL_REASONS = [
    "經再次聯繫，案家表示已由親友協助處理，不需轉介。",
    "誤填：與同仁稍早填報為同一事件。",
    "案主已由醫院社工服務，撤回轉介。",
]
TRANSFER_NOTES = {
    "north": ["案家實際居住地位於另一組服務區，轉由該組接續。", "本組社工人力不足，經督導協調轉出。"],
    "south": ["個案為少年，改由青少年社工組接續。", "經評估以家庭服務為主，改由家庭社工組接續。"],
}
REDIRECT_NOTE = "原組以不屬服務範圍退案，經督導評估仍有服務需求，改由本組評估。"
RETURN_NOTES = [
    "請補充案主或家屬的聯絡電話，目前留存號碼無法接通。",
    "請確認當事人是否同意社工聯繫，並補充現場狀況與風險。",
    "請補充孩子就讀學校及主要照顧者資料。",
]
RESUBMIT_NOTES = [
    "已補充：母親手機 0912-345-678，白天可聯繫。",
    "已與當事人確認同意社工聯繫；現場無武器，但雙方情緒仍激動。",
    "已補充：就讀本區國小四年級，主要照顧者為祖母。",
]
RE_REFERRALS = [
    ("市立聯合醫院精神科社區復健中心", "需精神醫療評估及長期追蹤，非本組服務範圍。"),
    ("家庭暴力及性侵害防治中心", "經評估屬家庭暴力高危機案件，依規定轉由防治中心處理。"),
    ("區公所社會課", "主要需求為急難救助及低收入戶申請。"),
]
FAILURE_NOTES = {
    "unreachable": "電話三次未接，家訪兩次均無人應門，已留聯絡單。",
    "refused": "案主表示家中已無需協助，明確拒絕社工服務。",
}
DISPATCH_NOTES = [
    "",
    "",
    "請優先聯繫，家中有幼兒。",
    "案主白天工作，請於傍晚後聯繫。",
    "前次轉介已結案，請參考歷史紀錄。",
]


# --- the plan of one case -----------------------------------------------------------------------
@dataclass
class Case:
    n: int
    station: object
    officer: object
    district: str
    category: str
    level: int
    filed: datetime
    persons: list  # [(spec dict, role)]
    narrative: str
    place: str
    fate: str = "worked"  # worked | declined | redirected | cancelled | transferred
    late: bool = False
    stop: str = ""  # a step after which nothing more has happened yet
    earlier: "Case | None" = None
    first_team: object = None
    team: object = None
    worker: object = None
    outcome: str = ""
    decline_reason: str = ""
    consent: tuple = ("given", "")
    risks: tuple = ((), "")
    origin: tuple = ("incident", "")
    prefill: object = None  # () -> referrals.prefill.Prefill, for a case raised from another record
    times: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # who the narrative speaks of
    referral: Referral | None = None


def _pick(r, weights):
    keys = list(weights)
    return r.choices(keys, weights=[weights[k] for k in keys])[0]


def _persons(r, category, station_code, district):
    """The people of a new household: (spec, role) pairs, and the names the narrative uses."""
    surname = r.choice(demo.SURNAMES)
    home = demo.address(r, station_code, district)
    sex = r.choice(["female", "male"])
    age = r.randint(28, 62)
    subject_role, other_role, child = "subject", None, None
    if category == C.DOMESTIC_VIOLENCE:
        sex, age, subject_role, other_role = (
            ("female" if r.random() < 0.8 else "male"),
            r.randint(22, 55),
            "victim",
            "alleged_offender",
        )
    elif category in (C.JUVENILE, C.APPROPRIATE_ADULT):
        age, other_role = r.randint(13, 17), "guardian"
    elif category == C.ELDERLY:
        age, other_role = r.randint(70, 92), "reporter"
    elif category in (C.CHILD_PROTECTION, C.VULNERABLE_FAMILY, C.SUBSTANCE_USE):
        age, subject_role = r.randint(26, 48), ("guardian" if category == C.CHILD_PROTECTION else "subject")
        child = (r.choice(["female", "male"]), r.randint(3, 13))
    elif category == C.SUICIDE_RISK:
        age = r.randint(18, 70)
    elif category in (C.FAMILY_CONFLICT, C.DISPUTE, C.MENTAL_HEALTH):
        other_role = "subject" if category == C.DISPUTE else "reporter"
    subject = {
        "name": demo.person_name(r, sex, age, surname),
        "sex": sex,
        "estimated_age": age,
        "phone": demo.mobile(r) if age >= 16 else "",
        "address": home,
    }
    people = [(subject, subject_role)]
    names = {"subject": subject["name"], "age": age, "other": "家屬", "child": "孩子", "child_age": 6}
    if other_role:
        other_sex = "male" if sex == "female" else "female"
        other_age = (
            max(age + r.randint(-8, 30), 30) if category in (C.JUVENILE, C.APPROPRIATE_ADULT) else r.randint(25, 70)
        )
        other = {
            "name": demo.person_name(r, other_sex, other_age, surname if other_role != "subject" else None),
            "sex": other_sex,
            "estimated_age": other_age,
            "phone": demo.mobile(r),
            "address": home if other_role != "subject" else demo.address(r, station_code, district),
        }
        people.append((other, other_role))
        names["other"] = other["name"]
    if child:
        child_sex, child_age = child
        kid = {
            "name": demo.person_name(r, child_sex, child_age, surname),
            "sex": child_sex,
            "estimated_age": child_age,
            "address": home,
        }
        people.append((kid, "child"))
        names.update(child=kid["name"], child_age=child_age)
    return people, names


def _new_case(world, r, n, filed, *, station=None, category=None, level=None, earlier=None):
    stations, people = world["stations"], world["people"]
    station = station or r.choices(stations, weights=[30, 25, 25, 20])[0]
    district = station.district.code
    officer = people[OFFICERS[station.code]]
    if earlier is not None:  # the same family: its people are found again at filing
        category = category or r.choice(FOLLOWS.get(earlier.category, [earlier.category]))
        persons, names = earlier.persons, earlier.names
    else:
        category = category or _pick(r, CATEGORY_WEIGHTS)
        persons, names = _persons(r, category, station.code, district)
    level = level or r.choices([1, 2, 3], weights=LEVEL_WEIGHTS[category])[0]
    template, place = r.choice(NARRATIVES[category]), demo.place(r, district)
    case = Case(
        n=n,
        station=station,
        officer=officer,
        district=district,
        category=category,
        level=level,
        filed=filed,
        persons=persons,
        narrative=template.format(place=place, **names),
        place=place if "{place}" in template else "",  # else the family's home
        earlier=earlier,
        names=names,
    )
    if category in RISKS and r.random() < 0.6:
        case.risks = RISKS[category]
    if category in (C.CHILD_PROTECTION, C.MENTAL_HEALTH, C.SUICIDE_RISK) and r.random() < 0.25:
        case.consent = ("not_possible", "當事人情緒不穩，無法表達意願。")
    elif category in (C.VULNERABLE_FAMILY, C.SUBSTANCE_USE) and r.random() < 0.1:
        case.consent = ("refused", "家長拒絕，但有兒童照顧疑慮仍予轉介。")
    teams = {t.code: t for t in world["teams"]}
    if district == "north":
        case.first_team = teams["team-n1" if station.code == "station-n1" else "team-n2"]
    else:
        youth = category in YOUTH_CATEGORIES or (category == C.CHILD_PROTECTION and r.random() < 0.5)
        case.first_team = teams["team-s1" if youth else "team-s2"]
    case.team = case.first_team
    return case


def _worker_of(world, team, r):
    people = world["people"]
    return {
        "team-n1": people["worker1"] if r.random() < 0.55 else people["worker2"],
        "team-n2": people["worker3"],
        "team-s1": people["worker4"],
        "team-s2": people["worker5"],
    }[team.code]


def _other_team(world, team):
    teams = {t.code: t for t in world["teams"]}
    return teams[{"team-n1": "team-n2", "team-n2": "team-n1", "team-s1": "team-s2", "team-s2": "team-s1"}[team.code]]


def _plan_times(case, r, tz):
    """When each step happens, from filing on; the ones after "now" are simply not replayed."""
    t = case.times
    filed, level = case.filed, case.level
    t["file"] = filed
    clock = filed
    if case.district == "south":  # the intake desk's night duty dispatches what cannot wait for the morning
        if level == 3:
            clock = demo.working_time(filed, r, tz) + r.uniform(10, 150) * M
        else:
            clock = filed + (r.uniform(5, 25) if level == 1 else r.uniform(30, 180)) * M
        t["dispatch"] = clock
    if level == 1:
        ack = clock + (r.uniform(65, 140) if case.late else r.uniform(5, 40)) * M
    elif level == 2:
        if case.late:
            ack = demo.working_time(filed + r.uniform(26, 40) * H, r, tz)
        else:
            ack = demo.working_time(clock, r, tz, spread=3)
            if ack - filed > 22 * H:  # nights and weekends: the on-call worker takes it
                ack = clock + r.uniform(1, 10) * H
    else:
        ack = demo.working_time(filed + (r.uniform(5, 8) if case.late else r.uniform(0, 1.2)) * D, r, tz, spread=4)
    t["ack"] = max(ack, clock + 3 * M)
    if case.fate == "cancelled":
        t["cancel"] = filed + r.uniform(1, 20) * H
        for step in ("dispatch", "ack"):  # what the cancellation came before never happened
            if step in t and t["cancel"] < t[step]:
                del t[step]
        return
    if case.fate in ("declined", "redirected"):
        t["decline"] = t["ack"] + r.uniform(0.2, 4) * H
        if case.fate == "declined":
            return
        t["redirect"] = demo.working_time(t["decline"] + r.uniform(1, 20) * H, r, tz)
        t["ack2"] = demo.working_time(t["redirect"] + r.uniform(0.5, 8) * H, r, tz)
    if case.fate == "transferred":
        t["transfer"] = demo.working_time(t["ack"] + r.uniform(2, 30) * H, r, tz)
        t["ack2"] = demo.working_time(t["transfer"] + r.uniform(0.3, 6) * H, r, tz)
    if case.fate == "returned":  # the team asks the officer for more, the officer answers within two days
        t["return"] = t["ack"] + r.uniform(0.5, 6) * H
        t["resubmit"] = demo.working_time(t["return"] + r.uniform(4, 48) * H, r, tz)
        t["ack2"] = demo.working_time(t["resubmit"] + r.uniform(0.5, 8) * H, r, tz)
    start = t.get("ack2", t["ack"])
    if level == 1:
        t["accept"] = start + r.uniform(0.1, 2) * H
        t["contact"] = t["accept"] + r.uniform(0.5, 5) * H
    elif level == 2:
        t["accept"] = demo.working_time(start + r.uniform(1, 20) * H, r, tz)
        t["contact"] = demo.working_time(t["accept"] + r.uniform(2, 30) * H, r, tz)
    else:
        t["accept"] = demo.working_time(start + r.uniform(0.5, 3) * D, r, tz)
        t["contact"] = demo.working_time(t["accept"] + r.uniform(1, 6) * D, r, tz)
    t["close"] = demo.working_time(t["contact"] + r.uniform(7, 45) * D, r, tz)
    if case.fate in ("re_referred", "failed"):  # the case ends before any contact or visit
        t["re_refer" if case.fate == "re_referred" else "fail"] = demo.working_time(
            t["accept"] + r.uniform(1, 10) * D, r, tz
        )
        del t["contact"], t["close"]


def _choose_fate(r, case):
    roll = r.random()
    if case.earlier is not None and roll < 0.15:
        return "declined"  # a second call about the same family is often folded into the first
    fates = ["worked", "declined", "redirected", "cancelled", "transferred", "returned", "re_referred", "failed"]
    return r.choices(fates, weights=[67, 5, 4, 5, 9, 5, 2, 3])[0]


def plan_cases(world):
    r = demo.rng("referrals")
    tz = world["start"].tzinfo
    now = world["now"]
    cases = []
    days = sorted(r.uniform(0, demo.HISTORY_DAYS - 1) for _ in range(CASE_COUNT))
    for n, day in enumerate(days):
        hour = r.choices([r.uniform(8, 18), r.uniform(18, 23.9), r.uniform(0, 8)], weights=[60, 25, 15])[0]
        filed = demo.moment(world, int(day), hour)
        earlier = None
        if cases and r.random() < 0.18:
            pool = [c for c in cases[-120:] if c.filed < filed - 2 * D and c.category in FOLLOWS]
            if pool:
                earlier = r.choice(pool)
        case = _new_case(world, r, n, filed, station=earlier.station if earlier else None, earlier=earlier)
        case.fate = _choose_fate(r, case)
        case.late = r.random() < 0.07
        cases.append(case)
    # Cases that show the clock today: overdue, waiting, just acknowledged or accepted.
    stations = {s.code: s for s in world["stations"]}
    featured = [
        ("station-n1", C.FAMILY_CONFLICT, 2, 3 * D + 2 * H, "file"),  # overdue, escalated twice
        ("station-n2", C.DOMESTIC_VIOLENCE, 1, 4 * H, "file"),  # overdue level 1
        ("station-s1", C.ELDERLY, 2, 2 * D + 5 * H, "file"),  # overdue in the intake queue
        ("station-s2", C.DISPUTE, 3, 9 * D, "dispatch"),  # dispatched, never acknowledged
        ("station-n1", C.VULNERABLE_FAMILY, 3, 5 * H, "file"),  # waiting, not yet due
        ("station-s2", C.FAMILY_CONFLICT, 3, 40 * M, "file"),  # just arrived in the intake queue
        ("station-n1", C.ELDERLY, 3, 1 * D + 6 * H, "ack"),  # acknowledged
        ("station-s1", C.JUVENILE, 2, 1 * D + 2 * H, "ack"),  # acknowledged
        ("station-n1", C.CHILD_PROTECTION, 2, 2 * D, "accept"),  # accepted, first contact pending
        ("station-n2", C.MENTAL_HEALTH, 2, 2 * D + 3 * H, "accept"),
        ("station-n2", C.JUVENILE, 2, 2 * D + 4 * H, "return"),  # returned to the officer for more information
    ]
    for station, category, level, ago, stop in featured:
        case = _new_case(world, r, len(cases), now - ago, station=stations[station], category=category, level=level)
        case.stop = stop
        if stop == "return":
            case.fate = "returned"
        cases.append(case)
    featured_cases = cases[-len(featured) :]
    for case in cases:
        case.worker = _worker_of(world, case.first_team, r)
        if case.fate in ("redirected", "transferred"):
            case.team = _other_team(world, case.first_team)
            case.worker = _worker_of(world, case.team, r)
        if case.fate in ("declined", "redirected"):
            case.decline_reason = r.choice(
                [DeclineReason.NOT_IN_REMIT, DeclineReason.OUTSIDE_AREA, DeclineReason.NO_CAPACITY]
                if case.fate == "redirected"
                else list(DeclineReason.values)
            )
            if case.decline_reason == DeclineReason.DUPLICATE and case.earlier is None:
                case.decline_reason = DeclineReason.ALREADY_SERVED
        case.outcome = _pick(r, OUTCOME_WEIGHTS)
        if case.category == C.DISPUTE and r.random() < 0.5:
            case.outcome = Outcome.MEDIATED
        _plan_times(case, r, tz)
    for case in featured_cases:  # their steps so far happened at once, whatever the day of the week
        t = case.times
        t["dispatch"] = case.filed + 20 * M
        t["ack"] = case.filed + 40 * M
        t["accept"] = case.filed + 70 * M
        if case.district == "north":
            del t["dispatch"]
        if case.stop == "return":  # returned an hour after acknowledging; the officer has not answered yet
            t["return"] = t["ack"] + 60 * M
            for later in ("resubmit", "ack2", "accept", "contact", "close"):
                t.pop(later, None)
    _cover_every_outcome(cases, now)
    return cases


def _cover_every_outcome(cases, now):
    """Each outcome and decline reason at least once among what has happened (the draw may miss a rare one)."""
    closed = [c for c in cases if c.fate == "worked" and not c.stop and c.times["close"] <= now]
    for outcome in Outcome.values:
        if not any(c.outcome == outcome for c in closed):
            spare = next(c for c in closed if c.outcome == Outcome.GOT_HELP)
            spare.outcome = outcome
    declined = [c for c in cases if c.fate == "declined" and c.times["decline"] <= now]
    for reason in DeclineReason.values:
        if reason == DeclineReason.DUPLICATE:
            continue
        if not any(c.decline_reason == reason for c in declined):
            spare = next(c for c in declined if sum(d.decline_reason == c.decline_reason for d in declined) > 1)
            spare.decline_reason = reason


# --- replaying a case through the services ----------------------------------------------------------
def _file(case, world):
    persons = []
    household = None
    origin, origin_reference = case.origin
    if case.prefill is not None:  # opened from another record, as the referral form would be
        filled = case.prefill()
        persons, household = list(filled.persons), filled.household
        origin_reference = filled.origin_reference
    elif case.earlier is not None:  # the same family again: its people as recorded the first time
        links = ReferralPerson.objects.filter(referral=case.earlier.referral).select_related("person")
        persons = [(link.person, link.role) for link in links]
        household = case.earlier.referral.household
    else:
        persons = [(dict(spec), role) for spec, role in case.persons]
    linked = case.earlier.referral if case.earlier and case.earlier.referral else None
    if linked is not None and case.filed - linked.filed_at > 30 * D:
        linked = None
    narrative = case.narrative
    if case.earlier is not None:
        days = (case.filed - case.earlier.referral.filed_at).days
        narrative = (
            REPEAT_PREFIX.format(
                days=days,
                before=CATEGORY_NAMES[case.earlier.category],
                reference=case.earlier.referral.reference,
            )
            + narrative
        )
    referral = services.submit_referral(
        case.officer,
        persons=persons,
        category=case.category,
        level=case.level,
        narrative=narrative,
        incident_at=case.filed - timedelta(minutes=20 + case.n % 90),
        incident_place=case.place or (persons[0][0].address if household else persons[0][0]["address"]),
        call_number=f"110{case.filed:%m%d}{case.n:04d}" if origin == "incident" else "",
        consent=case.consent[0],
        consent_note=case.consent[1],
        known_risks=list(case.risks[0]),
        risk_note=case.risks[1],
        household=household,
        linked_to=linked,
        origin=origin,
        origin_reference=origin_reference,
    )
    if household is None and referral.household_id:
        Household.objects.filter(pk=referral.household_id, label="").update(label=f"{case.names['subject']}家")
    case.referral = referral


def _supervisor(world, team):
    return world["people"]["supervisor1" if team.code.startswith("team-n") else "supervisor2"]


def _take_escalations(case, world):
    """Whoever is responsible takes the escalations fired so far: the team's supervisor, else the coordinator."""
    for escalation in ReferralEscalation.objects.filter(referral=case.referral, acknowledged_at__isnull=True):
        south = case.district == "south" and (case.referral.team_id is None or escalation.level > 1)
        actor = world["people"]["coordinator1"] if south else _supervisor(world, case.first_team)
        services.acknowledge_escalation(actor, escalation)


def _accept(case, world, by_supervisor):
    if by_supervisor:
        services.accept_referral(_supervisor(world, case.team), case.referral, case.worker)
    else:
        services.accept_referral(case.worker, case.referral)


def _decline(case, actor, world):
    note = DECLINE_NOTES[case.decline_reason]
    if case.decline_reason == DeclineReason.DUPLICATE:
        note = f"{note}（原案 {case.earlier.referral.reference}）"
    _approved(services.decline_referral(actor, case.referral, case.decline_reason, note), case, world)


def _close(case, summary, resource, world):
    _approved(
        services.close_referral(case.worker, case.referral, case.outcome, summary, referred_to=resource), case, world
    )


def _approved(result, case, world):
    """A worker's decline or no-contact closing waits for the supervisor, who approves it the same hour."""
    if isinstance(result, Approval):
        decide_approval(_supervisor(world, case.referral.team), result, approve=True)


def _do(func, actor, case, *args):
    """``func(actor, <the case's referral>, *args)``: the referral exists only once the case is filed."""
    return func(actor, case.referral, *args)


class _Steps:
    """The timeline, for referral steps: a step on a referral awaiting acknowledgement (``awaiting``)
    needs the escalations due before it to have fired; other steps need no timer."""

    def __init__(self, timeline):
        self.timeline = timeline

    def at(self, when, func, *args, awaiting=False):
        return self.timeline.at(when, func, *args, sweeps=("referral_escalations",) if awaiting else ())


def schedule_case(world, case, r):
    """Put every step of ``case`` on the timeline; a featured case stops at its step."""
    tl, t, people = _Steps(world["timeline"]), case.times, world["people"]
    coordinator = people["coordinator1"]
    tl.at(t["file"], _file, case, world)
    if case.stop == "file":
        return
    first_worker = _worker_of(world, case.first_team, r) if case.fate in ("redirected", "transferred") else case.worker
    if "dispatch" in t:
        tl.at(
            t["dispatch"],
            _do,
            services.dispatch_referral,
            coordinator,
            case,
            case.first_team,
            r.choice(DISPATCH_NOTES),
            awaiting=True,
        )
    if case.stop == "dispatch":
        return
    if case.fate == "cancelled":
        if "ack" in t:
            tl.at(t["ack"], _do, services.acknowledge_referral, first_worker, case, awaiting=True)
        tl.at(t["cancel"], _do, services.cancel_referral, case.officer, case, r.choice(CANCEL_REASONS), awaiting=True)
        return
    if case.late:
        tl.at(t["ack"] - r.uniform(3, 15) * M, _take_escalations, case, world, awaiting=True)
    tl.at(t["ack"], _do, services.acknowledge_referral, first_worker, case, awaiting=True)
    if r.random() < 0.25:
        new_level = case.level if r.random() < 0.7 else min(3, case.level + 1)
        tl.at(t["ack"] + 2 * M, _do, services.confirm_level, first_worker, case, new_level)
    if case.stop == "ack":
        return
    if case.fate in ("declined", "redirected"):
        tl.at(t["decline"], _decline, case, first_worker, world)
        if case.fate == "declined":
            return
        redirector = coordinator if case.district == "south" else _supervisor(world, case.first_team)
        tl.at(t["redirect"], _do, services.redirect_referral, redirector, case, case.team, REDIRECT_NOTE)
        tl.at(t["ack2"], _do, services.acknowledge_referral, case.worker, case, awaiting=True)
    if case.fate == "returned":
        tl.at(t["return"], _do, services.return_to_referrer, case.worker, case, r.choice(RETURN_NOTES))
        if case.stop == "return":
            return
        tl.at(t["resubmit"], _do, services.resubmit_referral, case.officer, case, r.choice(RESUBMIT_NOTES))
        tl.at(t["ack2"], _do, services.acknowledge_referral, case.worker, case, awaiting=True)
    if case.fate == "transferred":
        by = coordinator if case.district == "south" else first_worker
        note = r.choice(TRANSFER_NOTES[case.district])
        tl.at(t["transfer"], _do, services.transfer_referral, by, case, case.team, note)
        tl.at(t["ack2"], _do, services.acknowledge_referral, case.worker, case, awaiting=True)
    tl.at(t["accept"], _accept, case, world, r.random() < 0.3)
    if r.random() < 0.15:
        tl.at(t["accept"] + r.uniform(1, 30) * H, _do, services.add_note, case.officer, case, r.choice(OFFICER_NOTES))
    if case.stop == "accept":
        return
    if case.fate == "re_referred":
        tl.at(t["re_refer"], _do, services.re_refer, case.worker, case, *r.choice(RE_REFERRALS))
        return
    if case.fate == "failed":
        reason = r.choice(list(FAILURE_NOTES))
        tl.at(t["fail"], _do, services.record_failure, case.worker, case, reason, FAILURE_NOTES[reason])
        return
    reached = case.outcome not in NOT_REACHED
    if reached:
        tl.at(t["contact"], _do, services.record_first_contact, case.worker, case)
        if r.random() < 0.5:
            tl.at(t["contact"] + 5 * M, _do, services.add_note, case.worker, case, r.choice(SHARED_NOTES), "shared")
    span = t["close"] - t["contact"]
    texts = INTERNAL_NOTES if reached else ATTEMPT_NOTES
    for k in range(r.randint(1, 2)):
        tl.at(t["contact"] + span * (k + 1) / 3 + 10 * M, _do, services.add_note, case.worker, case, r.choice(texts))
    resource = r.choice(RESOURCES) if case.outcome == Outcome.REFERRED_ON else ""
    summary = r.choice(OUTCOME_SUMMARIES[case.outcome]).format(resource=resource)
    tl.at(t["close"], _close, case, summary, resource, world)


def matching_and_policies(world):
    stations, teams = world["stations"], world["teams"]
    start = world["today"] - timedelta(days=365)
    for station, team in [(stations[0], teams[0]), (stations[1], teams[1])]:
        StationTeamMatch.objects.update_or_create(station=station, starts_on=start, defaults={"team": team})
    for level, (amount, unit) in DEFAULT_SLA.items():
        SLAPolicy.objects.get_or_create(category="", level=level, defaults={"acknowledge_within": amount, "unit": unit})


def referral_history(world):
    """Six months of referrals, planned here and replayed with the rest of the history."""
    world["cases"] = []
    if Referral.objects.exists():
        return
    r = demo.rng("referral-steps")
    cases = plan_cases(world)
    for case in cases:
        schedule_case(world, case, r)
    world["cases"] = cases


def add_case(world, *, station, officer, category, level, filed, narrative, prefill, origin):
    """A case raised from another app's record (``prefill()`` opens the form with its people), worked like the rest."""
    r = demo.rng(f"case-{filed:%Y%m%d%H%M}")
    case = _new_case(world, r, 900 + len(world["cases"]), filed, station=station, category=category, level=level)
    case.officer, case.narrative, case.prefill, case.origin = officer, narrative, prefill, (origin, "")
    case.risks, case.consent = ((), ""), ("given", "")
    case.worker = _worker_of(world, case.first_team, r)
    case.outcome = Outcome.GOT_HELP
    _plan_times(case, r, world["start"].tzinfo)
    schedule_case(world, case, r)
    world["cases"].append(case)
    return case


# --- what the demo holds ------------------------------------------------------------------------------
def count_referrals():
    by_status = dict(Referral.objects.values_list("status").annotate(n=Count("pk")))
    parts = ", ".join(f"{label} {by_status[value]}" for value, label in Status.choices if by_status.get(value))
    return f"{sum(by_status.values())} ({parts})"


def count_overdue():
    overdue = Referral.objects.filter(status=Status.SUBMITTED, ack_due_at__lt=timezone.now()).count()
    escalated = Referral.objects.filter(escalations__isnull=False).distinct().count()
    return f"{overdue} / {escalated}"


def count_moves():
    kinds = ReferralEvent.objects.values("kind").annotate(n=Count("referral", distinct=True))
    by_kind = {row["kind"]: row["n"] for row in kinds}
    return f"{by_kind.get('transferred', 0)} / {by_kind.get('redirected', 0)}"


def count_households():
    repeat = Household.objects.annotate(n=Count("referrals")).filter(n__gt=1).count()
    return f"{Household.objects.count()} ({repeat})"


def count_persons():
    return Person.objects.count()
