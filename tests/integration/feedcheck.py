#!/usr/bin/python3
"""feedcheck.py — strict checks of dutyd calendar feeds with python3-icalendar (Debian).

  feedcheck.py strict FILE...   parse every file; exit 1 with a message on the first problem:
                                parser errors (component.errors), missing UID/DTSTAMP/SUMMARY,
                                DTSTART not a date, DTEND != DTSTART + 1 day, duplicate UIDs,
                                alarms without DISPLAY/DESCRIPTION/duration TRIGGER,
                                lines over 75 octets, bare LF, invalid UTF-8
  feedcheck.py events FILE      one line per VEVENT: UID|YYYY-MM-DD|SUMMARY (unfolded, decoded)
  feedcheck.py versions FILE    one line per VEVENT: UID|YYYY-MM-DD|SEQUENCE|DTSTAMP (UTC,
                                YYYYMMDDTHHMMSSZ)|LAST-MODIFIED equal to DTSTAMP (yes/no)
  feedcheck.py caldesc FILE     the calendar's X-WR-CALDESC (empty when none), and the number of
                                events, as "N|TEXT"
"""
import datetime
import sys

import icalendar


def fail(msg):
    print("feedcheck: " + msg, file=sys.stderr)
    sys.exit(1)


def check_raw(path, data):
    try:
        data.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        fail(f"{path}: invalid UTF-8: {e}")
    if not data.endswith(b"\r\n"):
        fail(f"{path}: does not end with CRLF")
    for n, line in enumerate(data.split(b"\r\n")[:-1], 1):
        if b"\n" in line or b"\r" in line:
            fail(f"{path}:{n}: bare LF/CR")
        if len(line) > 75:
            fail(f"{path}:{n}: {len(line)} octets")
        if len(line) > 1 and line[0] == 0x20 and 0x80 <= line[1] < 0xC0:
            fail(f"{path}:{n}: fold inside a UTF-8 character")
        try:
            line.decode("utf-8", "strict")
        except UnicodeDecodeError:
            fail(f"{path}:{n}: line is not UTF-8 on its own (split character)")


def strict(paths):
    for path in paths:
        data = open(path, "rb").read()
        check_raw(path, data)
        cal = icalendar.Calendar.from_ical(data)
        if cal.errors:
            fail(f"{path}: calendar errors {cal.errors}")
        for prop in ("VERSION", "PRODID", "METHOD", "X-WR-CALNAME", "REFRESH-INTERVAL"):
            if prop not in cal:
                fail(f"{path}: no {prop}")
        uids = set()
        for comp in cal.walk():
            if getattr(comp, "errors", None):
                fail(f"{path}: {comp.name} errors {comp.errors}")
        for ev in cal.walk("VEVENT"):
            for prop in ("UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "SUMMARY", "DTSTART",
                         "DTEND", "ORGANIZER"):
                if prop not in ev:
                    fail(f"{path}: VEVENT without {prop}")
            uid = str(ev["UID"])
            if uid in uids:
                fail(f"{path}: duplicate UID {uid}")
            uids.add(uid)
            start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
            if isinstance(start, datetime.datetime) or not isinstance(start, datetime.date):
                fail(f"{path}: {uid}: DTSTART is not a DATE")
            if end - start != datetime.timedelta(days=1):
                fail(f"{path}: {uid}: DTEND {end} is not DTSTART {start} + 1 day")
            if str(ev["TRANSP"]) != "TRANSPARENT":
                fail(f"{path}: {uid}: not TRANSPARENT")
            if not str(ev["SUMMARY"]).strip():
                fail(f"{path}: {uid}: empty SUMMARY")
            for al in ev.walk("VALARM"):
                if str(al.get("ACTION")) != "DISPLAY" or "DESCRIPTION" not in al:
                    fail(f"{path}: {uid}: bad VALARM")
                if not isinstance(al.decoded("TRIGGER"), datetime.timedelta):
                    fail(f"{path}: {uid}: TRIGGER is not a duration")


def events(path):
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    for ev in cal.walk("VEVENT"):
        print(f"{ev['UID']}|{ev.decoded('DTSTART').isoformat()}|{ev['SUMMARY']}")


def versions(path):
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    for ev in cal.walk("VEVENT"):
        stamp = ev.decoded("DTSTAMP").strftime("%Y%m%dT%H%M%SZ")
        same = "yes" if ev.decoded("LAST-MODIFIED") == ev.decoded("DTSTAMP") else "no"
        print(f"{ev['UID']}|{ev.decoded('DTSTART').isoformat()}|{int(ev['SEQUENCE'])}|{stamp}|{same}")


def caldesc(path):
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    print(f"{len(cal.walk('VEVENT'))}|{cal.get('X-WR-CALDESC', '')}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "strict":
        strict(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "events":
        events(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "versions":
        versions(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "caldesc":
        caldesc(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
