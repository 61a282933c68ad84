/* ctl-report.h — dutyctl verbs for the record and events (issue 6).
 *   dutyctl report --period 2026|2026-H2|2026-Q4|2026-11 [--person P|--post P]
 *                  [--format table|csv|json]       required / on time / late / missed / open
 *   dutyctl report --shuzhi PERSON --year 2026       the draft of a person's 述职 section
 *   dutyctl raise EVENT [--level L] [--at TIME] [--note TEXT]   alert every post responsible
 *                                                 for EVENT, start its clocks (ctl-event.h)
 *   dutyctl done-link OCCURRENCE [--days N]          a signed one-time "mark done" URL
 * Contract: as ctl.h (Chinese output, exit status 0 / 1 / 2 usage / 78 config). "Today" is
 * ctl_today() (clock.h). */
#pragma once

int verb_report(int argc, char **argv);
int verb_raise(int argc, char **argv);
int verb_done_link(int argc, char **argv);

/* clang-format off */
#define CTL_REPORT_VERBS \
        {"report", CTL_FULL(verb_report), N_("the record of a period (table, CSV, JSON) and the 述职 draft")}, \
        {"raise", CTL_FULL(verb_raise), N_("an event (such as an accident) happened: tell every responsible post now")}, \
        {"done-link", CTL_FULL(verb_done_link), N_("make a one-time link to record a completion")},
/* clang-format on */
