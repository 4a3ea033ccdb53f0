"""The demo's numbers and words: case mix, weights and the Traditional Chinese narratives and notes."""

from datetime import timedelta

from referrals.models import (
    Category,
    DeclineReason,
    Outcome,
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
