"""The blank import template: data sheet, instruction sheet with the allowed values, and an
example sheet the import never reads."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from saferisk.core.models import AccidentType, HazardFactor
from saferisk.risks import assessment
from saferisk.risks.assessment import MethodConfig
from saferisk.risks.choices import AssessmentMethod
from saferisk.risks.register_excel.columns import (
    EXAMPLE_MARKER,
    HEADER_FILL,
    IMPORT_COLUMNS,
    MAX_ROWS,
    METHOD_NAMES,
    Labels,
    labels,
    plain,
)
from saferisk.risks.schemes import level_styles, method_config, scheme_in_force


def _bands_text(config: MethodConfig, score: str, names: Labels) -> list[str]:
    lines = []
    for band in config.bands:
        sign = "≥" if band.inclusive else ">"
        lines.append(f"{score} {sign} {plain(band.minimum)}：{names.levels[band.level]}")
    lines.append(f"其余：{names.levels['LOW']}")
    return lines


def _scale_lines(config: MethodConfig) -> list[str]:
    return [
        f"{name}："
        + "；".join(f"{plain(s.value)}＝{s.meaning}" if s.meaning else str(plain(s.value)) for s in scale)
        for name, scale in config.factors.items()
    ]


TEMPLATE_EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "name": "反应釜超温超压",
        "place": "合成车间",
        "part": "1号反应釜",
        "activity": "加料升温",
        "accident_types": "其它爆炸、灼烫",
        "hazard_factors": "2203 易燃液体",
        "method": "LEC",
        "L": 3,
        "E": 6,
        "C": 15,
        "department": "生产部",
        "owner_name": "王工",
        "owner_phone": "13800001111",
        "measures": "【工程技术】温度压力联锁，超限自动切断进料\n【在线监测】温度、压力在线监测并远传中控室\n严格执行工艺操作规程",
        "emergency_measures": "立即停止进料，开启冷却，人员撤离至安全区域",
        "people_exposed": 6,
    },
    {
        "name": "叉车撞人",
        "place": "成品仓库",
        "activity": "装卸作业",
        "accident_types": "车辆伤害",
        "hazard_factors": "2108 运动物伤害",
        "method": "LS",
        "L": 3,
        "S": 4,
        "department": "仓储部",
        "owner_name": "李班长",
        "owner_phone": "025-52100000",
        "measures": "【管理制度】叉车司机持证上岗，限速行驶\n【教育培训】每年开展场内车辆安全培训",
    },
    {
        "name": "受限空间作业中毒窒息",
        "place": "污水处理站",
        "part": "调节池",
        "activity": "清淤检修",
        "accident_types": "中毒和窒息",
        "method": "直接判定",
        "level": "较大风险",
        "control_tier": "部门（车间）级",
        "owner_name": "赵主任",
        "measures": "【管理制度】执行受限空间作业审批，先通风、再检测、后作业\n【个体防护】配备正压式空气呼吸器",
        "emergency_measures": "严禁盲目施救，佩戴呼吸器实施救援并拨打120",
    },
)


def template_workbook() -> bytes:
    """The import template: a blank data sheet with the import columns (required ones marked
    "*"), an instruction sheet with the values the import accepts (scales of the scheme in force,
    accident types, measure kinds, tiers) and an example sheet that the import never reads."""
    names = labels()
    scheme = scheme_in_force()
    lec, ls = method_config(scheme, AssessmentMethod.LEC), method_config(scheme, AssessmentMethod.LS)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True})
    required = book.add_format(
        {"bold": True, "bg_color": HEADER_FILL, "border": 1, "font_color": "#C0392B", "text_wrap": True}
    )
    text = book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    headers = [f"{c.header}*" if c.required else c.header for c in IMPORT_COLUMNS]

    def header_row(ws: Any, row: int) -> None:
        for i, (column, written) in enumerate(zip(IMPORT_COLUMNS, headers, strict=True)):
            ws.write_string(row, i, written, required if column.required else head)
            ws.set_column(i, i, column.width, text if column.key in ("owner_phone", "catalog_item") else wrap)

    data = book.add_worksheet("风险清单")
    header_row(data, 0)
    data.freeze_panes(1, 0)
    index = {c.key: i for i, c in enumerate(IMPORT_COLUMNS)}
    choices = {
        "method": list(METHOD_NAMES.values()),
        "level": list(names.levels.values()),
        "control_tier": list(names.tiers.values()),
        "E": [str(plain(s.value)) for s in lec.factors.get("E", ())],
        "C": [str(plain(s.value)) for s in lec.factors.get("C", ())],
        "S": [str(plain(s.value)) for s in ls.factors.get("S", ())],
    }
    for key, values in choices.items():
        if key in index and values and len(",".join(values)) < 250:
            data.data_validation(
                1,
                index[key],
                MAX_ROWS,
                index[key],
                {"validate": "list", "source": values, "error_type": "warning", "ignore_blank": True},
            )

    notes = book.add_worksheet("填写说明")
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, 10)
    notes.set_column(2, 2, 100)
    bold = book.add_format({"bold": True})
    r = 0

    def title(line: str) -> None:
        nonlocal r
        r += 1 if r else 0
        notes.write_string(r, 0, line, bold)
        r += 1

    def line(*cells: str) -> None:
        nonlocal r
        for i, cell in enumerate(cells):
            notes.write_string(r, i, cell, wrap if i == len(cells) - 1 else None)
        r += 1

    title("一、填写规则")
    for rule in (
        "1. 在“风险清单”工作表中每行填写一项风险；带“*”的列必须填写。表头可在前30行内的任意一行，列顺序不限，多余的列会被忽略。",
        "2. 只读取表头含“风险名称”和“风险点（场所）”的工作表：本说明页和“填写示例”页不会被导入。",
        "3. 风险名称与风险点（场所）均与本企业一项在用风险相同时，该行更新这项风险；否则新增一项风险。"
        "同一文件中风险名称与风险点重复的行只导入第一行。",
        "4. 更新时，空白的非必填单元格保留系统中原有内容，不会清空。",
        "5. 有错误的行不导入，其他行照常导入；错误行连同“错误说明”列写入错误明细表，修改后可直接再次上传。",
        "6. 从系统导出的风险清单可直接修改后导入；“序号”“分值”“剩余风险等级”“依据”“版本”“更新时间”列只供查看，导入时忽略；"
        "“状态”为“已停用”的行不导入。",
        "7. 上传时可先勾选“试运行”，只校验和统计，不写入任何数据。",
    ):
        line(rule)

    title("二、各列说明")
    line("列名", "是否必填", "说明")
    for column in IMPORT_COLUMNS:
        line(column.header, "必填" if column.required else "", column.note)

    title("三、评估方法与取值")
    line("LEC（D = L × E × C）", "", "L、E、C 三列必填，取值必须是下列标准取值之一：")
    for text_line in _scale_lines(lec):
        line("", "", text_line)
    line("LEC 分级", "", "；".join(_bands_text(lec, "D", names)))
    line("LS（R = L × S）", "", "L、S 两列必填，取值必须是下列标准取值之一：")
    for text_line in _scale_lines(ls):
        line("", "", text_line)
    line("LS 分级", "", "；".join(_bands_text(ls, "R", names)))
    line(
        "直接判定",
        "",
        "不填 L、E、C、S，在“风险等级”列填写等级；关联风险目录条目的，不得低于目录规定的最低等级。",
    )
    line("", "", "也可在“评估参数”一列中写“L=3 E=6 C=15”（与导出文件相同），代替 L、E、C、S 各列。")
    line(
        "评估方案", "", f"{scheme.name}（版本 {scheme.version}，自 {scheme.effective_from:%Y-%m-%d} 起执行）"
    )

    title("四、风险等级")
    styles = level_styles(scheme)
    for code in assessment.LEVELS:
        tier = names.tiers.get(styles[code]["tier"], "")
        line(names.levels[code], "", f"颜色 {styles[code]['colour']}；通常管控层级：{tier}")
    line("", "", "也可填写“重大”“较大”“一般”“低”或 MAJOR、LARGE、GENERAL、LOW。")

    title("五、管控层级")
    line("", "", "、".join(names.tiers.values()) + "（也可简写为 公司级、车间级、班组级、岗位级）")

    title("六、管控措施类别")
    line("", "", "、".join(names.kinds.values()))
    line(
        "",
        "",
        "每条措施占一行（单元格内换行：Alt+Enter），如“【工程技术】温度压力联锁”；不写类别的按“管理制度”。",
    )

    title("七、事故类型（GB 6441-1986）")
    line("", "", "、".join(AccidentType.objects.order_by("code").values_list("name", flat=True)))

    title("八、危险有害因素（GB/T 13861-2009）")
    line("", "", "填写代码或名称，多个用换行或分号分隔，如“2203 易燃液体”。")
    for code, name in HazardFactor.objects.order_by("code").values_list("code", "name"):
        line(code, "", name)

    sample = book.add_worksheet("填写示例")
    sample.write_string(0, 0, EXAMPLE_MARKER, bold)
    header_row(sample, 1)
    for r_ex, example in enumerate(TEMPLATE_EXAMPLES, start=2):
        for key, value in example.items():
            if isinstance(value, int):
                sample.write_number(r_ex, index[key], value)
            else:
                sample.write_string(r_ex, index[key], value)
    book.close()
    return buffer.getvalue()
