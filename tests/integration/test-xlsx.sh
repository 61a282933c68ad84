#!/usr/bin/env bash
# The Excel export (issue 15, item 3): `dutyctl report --format xlsx` writes a workbook that
# Debian's python3-openpyxl reads back: the sheet names (periods, 述职-<name> made valid and
# unique), the frozen header row, the Chinese headers and text, counts as numbers equal to
# `report --format json`, dates as dates (yyyy-mm-dd); --person narrows it; `--output -`
# writes it to standard output and a terminal is refused (exit 2, a usage error). The CSV starts with a UTF-8
# byte-order mark unless --no-bom (JSON and the table never); --output writes any format.
. "$(dirname "$0")/../lib.sh"
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
PY=/usr/bin/python3
if ! $PY -c 'import openpyxl' 2>/dev/null; then
        fail "python3-openpyxl is installed (make deps)"
        t_done
        exit 1
fi

# dump FILE: every sheet as lines "SHEET!CELL<TAB>TYPE<TAB>VALUE" (TYPE s text, n number, d date
# with its number format), "SHEET!freeze<TAB>A2", "SHEET!width:A<TAB>N" and "sheets<TAB>A|B|…".
cat >"$T/dump.py" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print("sheets\t" + "|".join(wb.sheetnames))
for ws in wb.worksheets:
    print(f"{ws.title}!freeze\t{ws.freeze_panes}")
    for k, d in sorted(ws.column_dimensions.items()):
        print(f"{ws.title}!width:{k}\t{int(d.width)}")
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            if c.is_date:
                print(f"{ws.title}!{c.coordinate}\td {c.number_format}\t{c.value.date()}")
            elif isinstance(c.value, (int, float)):
                print(f"{ws.title}!{c.coordinate}\tn\t{c.value:g}")
            else:
                print(f"{ws.title}!{c.coordinate}\ts\t{c.value}")
PY
# same FILE SHEET JSON: the record's rows of SHEET (up to 合计) against `report --format json`:
# names and counts, and the total; prints "same" or the first difference.
cat >"$T/same.py" <<'PY'
import sys, json, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])[sys.argv[2]]
js = json.load(open(sys.argv[3]))
keys = ["required", "on_time", "late", "missed", "open"]
want = [[r["title"], r["post_name"], r["person_name"]] + [r[k] for k in keys] for r in js["rows"]]
want.append(["合计", None, None] + [js["total"][k] for k in keys])
rows = ws.iter_rows(min_row=2, max_row=len(want) + 1, max_col=8, values_only=True)
got = [list(r) for r in rows]
for w, g in zip(want, got):
    if w != g or any(type(v) is not int for v in g[3:]):
        print("differ:", w, g)
        sys.exit(0)
print("same" if len(got) == len(want) else f"differ: {len(got)} rows, {len(want)} wanted")
PY
dump() { $PY "$T/dump.py" "$1"; }

mkdir -p "$T/state"
cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
documents:
  - {id: yj, title: 实施意见, number: "大发〔2019〕45号"}
posts:
  - {id: zz, name: 镇长}
  - {id: fz, name: 副镇长}
people:
  - {id: b, name: 李四, posts: [zz]}
  - {id: c, name: "王五[兼]", posts: [fz]}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次, document: yj, clause: "二、（一）3"}
  - {id: x, post: fz, title: 督导检查, rule: 每季度至少1次}
  - {id: p, post: [zz, fz], title: 隐患排查, rule: 每半年至少1次}
YAML
export DUTYD_CONFIG=$T/dutyd.yaml DUTYD_CLOCK=2026-11-15
ctl() { "$CTL" "$@"; }
ctl_q() { "$CTL" "$@" >/dev/null; }
NOTE='会议纪要（第7号）：研究“安全生产月”工作,部署隐患排查'
check "done with a Chinese note and an evidence URL" \
        ctl_q done m --date 2026-07-10 --note "$NOTE" --evidence https://e.x/7
check "done late" ctl_q done m:zz:2026-08:1 --date 2026-09-03
check "done by the other person" ctl_q done x --date 2026-08-20 --note 检查了三家企业
check "done, the half year's check" ctl_q done p --post fz --date 2026-07-02

# ---- 1. --period: one sheet -----------------------------------------------------------------
ctl report --period 2026-Q3 --format xlsx --output "$T/q3.xlsx"
check_eq "xlsx --period exits 0" 0 $?
d=$(dump "$T/q3.xlsx")
check_eq "one sheet, named by the period" "sheets	2026-Q3" "$(grep '^sheets' <<<"$d")"
check_eq "the header row is frozen" "2026-Q3!freeze	A2" "$(grep '!freeze' <<<"$d")"
check_eq "the record's Chinese headers" "职责 岗位 人员 应完成 按时完成 逾期完成 未完成 未到期" \
        "$(grep -P '^2026-Q3![A-H]1\t' <<<"$d" | cut -f3 | tr '\n' ' ' | sed 's/ $//')"
ctl report --period 2026-Q3 --format json >"$T/q3.json"
check_eq "counts as numbers, equal to report --format json" same \
        "$($PY "$T/same.py" "$T/q3.xlsx" 2026-Q3 "$T/q3.json")"
hdr=$(grep -P '\ts\t日期$' <<<"$d" | cut -f1 | sed 's/.*!A//')
check "the completions' header follows the record" test -n "$hdr"
check_eq "the completions' headers" "日期 职责 岗位 人员 周期 说明 证明材料 记录人 来源" \
        "$(grep -P "^2026-Q3![A-I]$hdr\t" <<<"$d" | cut -f3 | tr '\n' ' ' | sed 's/ $//')"
r=$((hdr + 1))
check_eq "a completion's date is a date (yyyy-mm-dd)" "d yyyy-mm-dd	2026-07-02" \
        "$(grep -P "^2026-Q3!A$r\t" <<<"$d" | cut -f2,3)"
check "the Chinese note is intact" grep -qxF "2026-Q3!F$((r + 1))	s	$NOTE" <<<"$d"
check "the evidence URL is there" grep -qP '^2026-Q3!G\d+\ts\thttps://e.x/7$' <<<"$d"
check "the person who did it" grep -qP "^2026-Q3!D$((r + 1))\ts\t李四$" <<<"$d"
check "the source, in Chinese" grep -qP "^2026-Q3!I$r\ts\t命令登记$" <<<"$d"
check "four completions in Q3" test "$(grep -cP '^2026-Q3!A\d+\td yyyy-mm-dd' <<<"$d")" -eq 4
w=$(grep -P '^2026-Q3!width:A\t' <<<"$d" | cut -f2)
check "the duty column fits 安全生产工作会议 ($w)" test "${w:-0}" -ge 16
check "the file is the owner's only (0600)" test "$(stat -c %a "$T/q3.xlsx")" = 600
check "no temporary file is left" test "$(ls "$T" | grep -c 'q3.xlsx.')" -eq 0

# ---- 2. --year: the quarters, the year, and the 述职 sheets -----------------------------------
ctl report --year 2026 --format xlsx -o "$T/y.xlsx"
check_eq "xlsx --year exits 0" 0 $?
d=$(dump "$T/y.xlsx")
check_eq "sheets: quarters, year, 述职 (名字 made valid)" \
        "sheets	2026-Q1|2026-Q2|2026-Q3|2026-Q4|2026|述职-李四|述职-王五_兼_" "$(grep '^sheets' <<<"$d")"
for p in 2026-Q1 2026-Q2 2026-Q4 2026; do
        ctl report --period $p --format json >"$T/$p.json"
        check_eq "$p: counts equal report --format json" same \
                "$($PY "$T/same.py" "$T/y.xlsx" $p "$T/$p.json")"
done
check_eq "every sheet has its top row frozen" 7 "$(grep -cP '!freeze\tA2$' <<<"$d")"
ctl report --shuzhi b --year 2026 >"$T/b.txt"
check "述职: the title" grep -qxF "述职-李四!A1	s	$(head -1 "$T/b.txt")" <<<"$d"
check "述职: the summary sentence of the draft" grep -qF "	s	$(grep '^小结' "$T/b.txt")" <<<"$d"
check "述职: the late one, as in the draft" grep -qP '^述职-李四!G\d+\ts\t逾期完成（2026-09-03 完成，逾期 3 天）$' <<<"$d"
check "述职: the clause" grep -qP '^述职-李四!I\d+\ts\t大发〔2019〕45号 二、（一）3$' <<<"$d"
check "述职: the note" grep -qP "^述职-李四!F\\d+\\ts\\t$NOTE\$" <<<"$d"
check "述职: the generation date is a date" grep -qP '^述职-李四!D2\td yyyy-mm-dd\t2026-11-15$' <<<"$d"
check "述职: a post held all year, as dates" grep -qP '^述职-李四!C\d+\td yyyy-mm-dd\t2026-12-31$' <<<"$d"
row=$(grep -P '^述职-李四!A\d+\ts\t应履职$' <<<"$d" | cut -f1 | sed 's/.*!A//')
req=$(sed -n 's/^小结：2026年度应履职 \([0-9]*\) 次.*/\1/p' "$T/b.txt")
check_eq "述职: the summary's counts are numbers ($req required, as the draft)" "n	$req" \
        "$(grep -P "^述职-李四!A$((row + 1))\t" <<<"$d" | cut -f2,3)"

# ---- 3. --person --------------------------------------------------------------------------------
ctl report --year 2026 --person c --format xlsx -o "$T/c.xlsx"
d=$(dump "$T/c.xlsx")
check_eq "--person: that person's 述职 only" \
        "sheets	2026-Q1|2026-Q2|2026-Q3|2026-Q4|2026|述职-王五_兼_" "$(grep '^sheets' <<<"$d")"
ctl report --period 2026 --person c --format json >"$T/c.json"
check_eq "--person: counts equal report --person --format json" same \
        "$($PY "$T/same.py" "$T/c.xlsx" 2026 "$T/c.json")"
check "--person: the other person's completions are left out" \
        bash -c "! grep -qF '$NOTE' <<<'$(grep '^2026!' <<<"$d")'"
check "--person: theirs are there" grep -qP '^2026!F\d+\ts\t检查了三家企业$' <<<"$d"

# ---- 4. standard output and the terminal ----------------------------------------------------------
ctl report --period 2026-Q3 --format xlsx --output - >"$T/out.xlsx"
check_eq "--output - exits 0" 0 $?
check_eq "--output - writes the workbook" "sheets	2026-Q3" "$(dump "$T/out.xlsx" | grep '^sheets')"
ctl report --period 2026-Q3 --format xlsx >"$T/out2.xlsx"
check "without --output, a redirected workbook" cmp -s <(dump "$T/out.xlsx") <(dump "$T/out2.xlsx")
tty=$($PY -c 'import os, subprocess, sys
m, s = os.openpty()
p = subprocess.run(sys.argv[1:], stdout=s, stderr=subprocess.PIPE)
print(p.returncode, p.stderr.decode().strip())' "$CTL" report --period 2026-Q3 --format xlsx)
check_eq "xlsx to a terminal is refused (exit 2)" 2 "${tty%% *}"
check "… with a message" grep -q 'xlsx' <<<"${tty#* }"
ctl report --period 2026-Q3 --format xlsx --post zz -o "$T/x.xlsx" 2>/dev/null
check_eq "xlsx with --post: usage" 2 $?
ctl report --period 2026-Q3 --year 2026 --format xlsx -o "$T/x.xlsx" 2>/dev/null
check_eq "xlsx with --period and --year: usage" 2 $?
ctl report --period 2026-Q3 --format pdf 2>/dev/null
check_eq "an unknown format: usage" 2 $?
err=$(ctl report --period 2026-Q3 --format xlsx -o "$T/no/such/dir/x.xlsx" 2>&1)
check_eq "an unwritable path fails (1)" 1 $?
check "… and says where" grep -qF "$T/no/such/dir/x.xlsx" <<<"$err"

# ---- 5. the CSV's byte-order mark, --output for the other formats -----------------------------
bom() { head -c 3 "$1" | od -An -tx1 | tr -d ' '; }
ctl report --period 2026-Q3 --format csv >"$T/a.csv"
check_eq "CSV starts with the UTF-8 BOM" efbbbf "$(bom "$T/a.csv")"
check_eq "… then the header" "职责编号,职责" "$(head -1 "$T/a.csv" | tail -c +4 | cut -d, -f1,2)"
check_eq "… and only once" 1 "$(grep -c $'\xef\xbb\xbf' "$T/a.csv")"
ctl report --period 2026-Q3 --format csv --no-bom >"$T/b.csv"
check_eq "--no-bom: the header first" "职责编号,职责" "$(head -1 "$T/b.csv" | cut -d, -f1,2)"
check "--no-bom: otherwise the same" cmp -s <(tail -c +4 "$T/a.csv") "$T/b.csv"
ctl report --period 2026-Q3 --format csv -o "$T/o.csv"
check "--output: the CSV in the file, with the BOM" cmp -s "$T/a.csv" "$T/o.csv"
ctl report --period 2026-Q3 --format json -o "$T/o.json"
check_eq "JSON never has a BOM" "{" "$(head -c 1 "$T/o.json")"
check "--output json: the same as standard output" cmp -s "$T/o.json" "$T/q3.json"
ctl report --period 2026-Q3 -o "$T/o.txt"
check "table: no BOM, the title first" grep -q '^测试镇 履职统计 2026-Q3' <(head -1 "$T/o.txt")
check "--output table: the same as standard output" cmp -s "$T/o.txt" <(ctl report --period 2026-Q3)
ctl report --shuzhi b --year 2026 -o "$T/o-b.txt"
check "--output: the 述职 draft" cmp -s "$T/o-b.txt" "$T/b.txt"
unset DUTYD_CONFIG DUTYD_CLOCK

# ---- 6. two people of the same name: the sheet names stay unique ------------------------------
mkdir -p "$T/s2"
LONG=一个名字很长很长很长很长很长很长很长很长很长很长很长很长很长很长的人 # 34 characters
cat >"$T/s2/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/s2
posts: [{id: zz, name: 镇长}, {id: fz, name: 副镇长}]
people:
  - {id: a, name: 张三, posts: [zz]}
  - {id: b, name: 张三, posts: [fz]}
  - {id: c, name: "$LONG", posts: [fz]}
duties: [{id: m, post: [zz, fz], title: 例会, rule: 每月至少1次}]
YAML
DUTYD_CLOCK=2026-11-15 "$CTL" -c "$T/s2/dutyd.yaml" report --year 2026 --format xlsx -o "$T/s2.xlsx"
check_eq "the same name twice, a long name: (2), 31 characters" \
        "sheets	2026-Q1|2026-Q2|2026-Q3|2026-Q4|2026|述职-张三|述职-张三(2)|述职-${LONG:0:28}" \
        "$(dump "$T/s2.xlsx" | grep '^sheets')"
t_done
