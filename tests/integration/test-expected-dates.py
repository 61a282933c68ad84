"""Every deadline in tests/data/expected-dates.tsv (worked out by hand, independently of the
engine, for each seed document's rules in 2026 and 2027) must be what `dutyctl upcoming --json`
prints for the shipped example configs: same occurrence, same nominal date, same due date."""
import atexit
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

top = os.environ.get("DUTYD_TOP") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ctl = os.path.join(top, "build", "dutyctl")
n = 0
failed = 0


def result(ok, name, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + f" {n} - {name}")
    if not ok and detail:
        for line in detail.splitlines()[:20]:
            print("# " + line)


rows = collections.defaultdict(list)
with open(os.path.join(top, "tests", "data", "expected-dates.tsv"), encoding="utf-8") as f:
    header = f.readline().rstrip("\n").split("\t")
    for line in f:
        if not line.strip():
            continue
        r = dict(zip(header, line.rstrip("\n").split("\t")))
        rows[r["example_file"]].append(r)

result(sum(len(v) for v in rows.values()) > 500, "the table has the seed rows",
       str(sum(len(v) for v in rows.values())))

# An empty state of our own: never the machine's /var/lib/dutyd (an installed dutyd).
state = tempfile.mkdtemp(prefix="dutyd-dates-")
atexit.register(shutil.rmtree, state, True)
for example, expected in sorted(rows.items()):
    path = os.path.join(top, "config", "examples", example)
    out = subprocess.run([ctl, "-c", path, "upcoming", "--json", "--from", "2026-01-01",
                          "--to", "2027-12-31"], capture_output=True, text=True,
                         env=dict(os.environ, DUTYD_CLOCK="2026-01-01", STATE_DIRECTORY=state))
    result(out.returncode == 0, f"{example}: upcoming runs", out.stderr)
    got = {}
    for line in out.stdout.splitlines():
        o = json.loads(line)
        got[o["id"]] = o
    missing, wrong = [], []
    for r in expected:
        oid = f'{r["duty_id"]}:{r["post_id"]}:{r["period_id"]}:{r["checkpoint"]}'
        o = got.get(oid)
        if o is None:
            missing.append(oid)
        elif (o["due"], o["nominal"], str(o["of"])) != (r["due"], r["nominal"], r["of"]):
            wrong.append(f'{oid}: expected due {r["due"]} nominal {r["nominal"]} of {r["of"]}, '
                         f'got due {o["due"]} nominal {o["nominal"]} of {o["of"]}')
    result(not missing, f"{example}: all {len(expected)} hand-computed occurrences exist",
           "\n".join(missing))
    result(not wrong, f"{example}: every due and nominal date matches", "\n".join(wrong))

# The seven worked examples of product.md rule 4 are in the table.
worked = {("2026-01-31", "2026-02-02"), ("2026-02-28", "2026-02-28"), ("2026-05-31", "2026-06-01"),
          ("2026-10-31", "2026-11-02"), ("2026-04-25", "2026-04-27"), ("2026-11-15", "2026-11-16"),
          ("2027-01-31", "2027-02-01")}
present = {(r["nominal"], r["due"]) for v in rows.values() for r in v}
result(worked <= present, "the worked examples of rule 4 are covered", str(worked - present))

print(f"1..{n}")
sys.exit(1 if failed else 0)
