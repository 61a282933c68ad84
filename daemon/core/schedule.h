/* schedule.h — the schedule engine: every deadline of every post for a range of dates.
 * Contract: pure (no I/O, no clock: callers pass days); deterministic; the same Config and range
 * always give the same occurrences in the same order. An occurrence's id
 * "DUTY:POST[.PERSON]:PERIOD:I" depends only on that duty's own settings, so ids are stable across
 * runs, hosts and edits to other duties. Rules are exactly those of docs/config.md. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "date.h"

typedef struct Occurrence {
        uint32_t duty, post;
        int32_t person;  /* per_holder duties: the holder; else -1 */
        int32_t holiday; /* before_holidays duties: index into calendar->holidays; else -1 */
        Day period_start, period_end; /* the period the checkpoint belongs to */
        uint16_t checkpoint, of;      /* i of N */
        uint16_t required;   /* completions needed by this checkpoint (count when not paced) */
        uint16_t due_minute; /* the deadline's time of day (Rule.due_minute); 0 = the day's end */
        Day nominal;         /* deadline as the rule gives it */
        Day due;             /* after the holiday move */
        int32_t event;       /* an event's clock (eventclock.h): the event's id; else 0 */
} Occurrence;

typedef struct OccurrenceList {
        Occurrence *items;
        size_t n, cap;
} OccurrenceList;

void occurrence_list_done(OccurrenceList *l);

typedef struct PlanFilter {
        ssize_t duty, post, person; /* -1 = any */
} PlanFilter;
#define PLAN_FILTER_ALL ((PlanFilter){-1, -1, -1})

/* Appends every occurrence whose deadline (after the move) is in [from, to], sorted by due date,
 * then time of day, duty, post, person, checkpoint. Returns 0 or -ENOMEM. */
int schedule_plan(const Config *c, Day from, Day to, PlanFilter f, OccurrenceList *out);
/* How many occurrences schedule_plan() would give for PLAN_FILTER_ALL, in memory of one
 * assignment's. */
int schedule_count(const Config *c, Day from, Day to, size_t *ret);

/* The occurrences of one assignment (duty `duty` on post `post`; per_holder duties: every
 * holder, or only `person` when it is >= 0) due in [from, to], appended to `out` unsorted — the
 * work schedule_plan() does for each assignment, for callers that need a few of them. Duties
 * triggered by events have none. Returns 0 or -ENOMEM. */
int schedule_plan_assignment(const Config *c, size_t duty, size_t post, ssize_t person, Day from,
                             Day to, OccurrenceList *out);
/* The order schedule_plan() sorts in (qsort comparator over Occurrence): due day, time of day
 * (a day's end last), duty, post, person, period, checkpoint. */
int occurrence_compare(const void *a, const void *b);

/* Occurrence ids. `buf` of at least OCCURRENCE_ID_MAX bytes. */
#define OCCURRENCE_ID_MAX 256
void occurrence_id(const Config *c, const Occurrence *o, char *buf, size_t n);
/* Period id: 2026 / 2026-H2 / 2026-Q4 / 2026-B6 (two months) / 2026-11 / 2026-11-H2 (half month) /
 * 2026-11-D3 (dekad) / 2026-W47 /
 * 2026-spring-festival. */
void occurrence_period_id(const Config *c, const Occurrence *o, char *buf, size_t n);
/* With its period id `pid` already made: the id, and the id without the checkpoint (the key
 * the record of completions is kept by, "duty:post[.person]:period"). */
void occurrence_id_in(const Config *c, const Occurrence *o, const char *pid, char *buf, size_t n);
void occurrence_key_in(const Config *c, const Occurrence *o, const char *pid, char *buf, size_t n);
/* Parses an occurrence id and recomputes it; -ENOENT if it names nothing in this config. */
int schedule_find(const Config *c, const char *id, Occurrence *ret);

/* The deadline as people read it: "2026-12-04", or "2026-12-04 12:00" with a time of day. */
#define OCCURRENCE_DUE_MAX 17
void occurrence_due_text(const Occurrence *o, char buf[static OCCURRENCE_DUE_MAX]);

/* The persons who hold the occurrence's post on `day` (per_holder: that person if still
 * holding it). Returns the count written (at most n). */
size_t occurrence_holders(const Config *c, const Occurrence *o, Day day, size_t *out, size_t n);
/* The names of `n` persons joined by "、" ("张三、李四"; "" for none): malloc'd, NULL when out of
 * memory. */
char *people_names(const Config *c, const size_t *people, size_t n);

/* The id of the period of kind `k` that starts on `start`. */
void period_id(PeriodKind k, Day start, char *buf, size_t n);
/* Parses "2026", "2026-H2", "2026-Q4", "2026-B6", "2026-11", "2026-11-H2", "2026-11-D3", "2026-W47"; -EINVAL if
 * malformed. */
int period_parse(const char *s, PeriodKind *ret_kind, Day *ret_start, Day *ret_end);

/* The checkpoints of one assignment in one period (the period containing `day`). Used to count
 * completions: a completion counts toward the earliest open checkpoint of its period. */
int schedule_period_checkpoints(const Config *c, size_t duty, size_t post, ssize_t person, Day day,
                                OccurrenceList *out);

/* Reminders. */
typedef enum ReminderKind {
        REMIND_UPCOMING, /* N days left */
        REMIND_DUE_TODAY,
        REMIND_OVERDUE,    /* N working days late */
        REMIND_ESCALATION, /* overdue, escalation posts told as well */
        REMIND_EVENT,      /* `dutyctl raise`: an event (事故) calls for the duty now */
} ReminderKind;

typedef struct Reminder {
        ReminderKind kind;
        Day day;       /* local date it fires */
        int minute;    /* local minute of day */
        int days;      /* UPCOMING: calendar days left; OVERDUE/ESCALATION: working days late */
        char step[16]; /* stable step key: "b7", "b1", "d0", "o1", "e3" … */
} Reminder;

/* The reminders of an occurrence firing on days in [from, to], in time order. Upcoming reminder
 * days that are not working days move to the working day before (not a daily duty's); overdue reminders fire on
 * working days only (a daily duty's: the first, and the escalation). A reminder on the day of a
 * deadline with a time of day fires DUE_REMINDER_LEAD minutes before it when the reminder
 * time is later than that. Returns the number written (at most n). */
#define DUE_REMINDER_LEAD 60
size_t schedule_reminders(const Config *c, const Occurrence *o, Day from, Day to, Reminder *out,
                          size_t n);

const char *reminder_kind_to_string(ReminderKind k);
