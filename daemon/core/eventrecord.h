/* eventrecord.h — the record of events (dutyctl report): each event of a period with each of
 * its clocks met or missed, to the minute.
 * Contract: pure (no I/O, no clock: callers pass "now"). The rows are the occurrences of the
 * events' clocks (eventclock_occurrences(), recurring reports up to `now` or the close) whose
 * deadline falls on a day in [from, to], as for the rest of the record; each gets
 * eventclock_status(), to the minute. Rows
 * borrow the events and completions they were built from. */
#pragma once
#include <stddef.h>
#include <time.h>

#include "eventclock.h"

typedef enum EventOutcome {
        EVENT_ON_TIME, /* 按时 */
        EVENT_LATE,    /* 逾期完成 */
        EVENT_MISSED,  /* 逾期未完成 */
        EVENT_OPEN,    /* 未到期 */
        _EVENT_OUTCOME_MAX,
} EventOutcome;

typedef struct EventRecordRow {
        const EventRec *e;
        Occurrence o;
        EventStatus st;
        EventOutcome outcome;
} EventRecordRow;

typedef struct EventRecord {
        EventRecordRow *rows;
        size_t n, cap;
} EventRecord;

int eventrecord_build(const Config *c, const EventRec *ev, size_t n_ev, const Completion *v,
                      size_t n_v, Day from, Day to, time_t now, EventRecord *ret);
void eventrecord_done(EventRecord *r);

/* One row's cells as text: the event ("17 事故 较大"), the deadline and the completion
 * ("2026-10-01 00:30"; "" when none), and the lateness ("晚12分钟"; ""). */
typedef struct EventRecordText {
        char event[96], occurred[17], due[17], done[17], late[48], id[OCCURRENCE_ID_MAX];
        char report[16]; /* the report's number */
} EventRecordText;
/* A row's cells, in the columns of eventrecord_header (pointing into *t and the config). */
#define EVENTRECORD_COLS 12
extern const char *const eventrecord_header[EVENTRECORD_COLS];
void eventrecord_cells(const Config *c, const EventRecordRow *w, EventRecordText *t,
                       const char *cells[EVENTRECORD_COLS]);

/* CSV (a header line, then a line a row) and a JSON array (jansson): malloc'd text. */
int eventrecord_csv(const Config *c, const EventRecord *r, char **ret);
int eventrecord_json(const Config *c, const EventRecord *r, char **ret);
