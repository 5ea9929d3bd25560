"""The worked example: a short policy text in its draft and adopted versions.

Modelled on 資料2: row 7 (「データ主導型」 became 「データ駆動型」) and row 1 (「新たな日常」
added to the 用語解説). Full-width text (ＡＩ, 「」, （1）) is kept as written.
"""

import datetime

DRAFT_DATE = datetime.date(2021, 1, 15)
ADOPTED_DATE = datetime.date(2021, 3, 31)

FUTURE_DRAFT = (
    "本市は、デジタル技術を活用して市民一人ひとりが豊かさを実感できる"
    "「データ主導型の地域社会」を目指します。"
)
FUTURE_ADOPTED = FUTURE_DRAFT.replace("データ主導型", "データ駆動型")
NEW_NORMAL = (
    "新たな日常\t新型コロナウイルス感染症の拡大を機に、デジタル技術を活用して"
    "市民生活や社会経済活動が大きく変わった、今までと異なる日常。"
)

DRAFT_TEXT = f"""第1章 はじめに
1 方針の目的
　本市では、「平塚市情報化基本方針」を全面的に見直し、「平塚市デジタル化基本方針」を策定します。

第2章 本市の未来像
{FUTURE_DRAFT}
方針2 行政内部のデジタル化
（1）業務の効率化
テレワークやオンライン会議を活用し、業務の効率化を図ります。
第3章 用語解説
ＡＩ\t人工知能。人間の知的なふるまいをコンピュータで再現する技術。
"""

ADOPTED_TEXT = DRAFT_TEXT.replace(FUTURE_DRAFT, FUTURE_ADOPTED) + NEW_NORMAL + "\n"
