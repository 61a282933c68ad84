/* icalevent.h — what one calendar event says: its UID, dates, alarms, version and texts, made
 * from an occurrence or a summary group, ready for the renderer (ical.h).
 * Contract: pure (no I/O, no clock): the same inputs always give the same event.
 *  - One event per occurrence (expanded here, never RRULE), or per summary group (one duty's
 *    checkpoint over all its posts, ical_event_summary()).
 *  - UID: derived only from the occurrence id (SHA-256, UUID form, no host name; a summary
 *    event's from "DUTY:PERIOD:CHECKPOINT" in a namespace of its own).
 *  - Version: IcalVersion, added up by the caller (icalhash.h: "Versions").
 *  - SUMMARY: ✓ when met, 【逾期】 when overdue, post·duty, 第i/N次 (a summary event: the duty
 *    and "已完成 k/N 岗位"). DESCRIPTION: a sequence of pieces (what, who, basis, period,
 *    deadline, progress, note), each a line of its own; the pieces that are the duty's own
 *    (what, basis, note) are left to the renderer, which makes each once per duty
 *    (ical_duty_text()).
 *  - DTSTART: the due day (all day), or the deadline's local time (with DURATION:PT0S) when
 *    the rule gives one.
 *  - Alarms: the reminder days the schedule computes, at the reminder time, relative to the
 *    start (the day's, or the deadline's time); none once the occurrence is met.
 * Returns 0 or -ENOMEM. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "date.h"
#include "schedule.h"
#include "util.h"

#define ICAL_UID_MAX 37      /* 36 characters of UUID form + NUL */
#define ICAL_PIECES_MAX 10   /* description pieces of one event */
#define ICAL_UNMET_LISTED 10 /* posts a summary event names as not done */

/* The completion state of one occurrence (all zero = nothing known: `required` 0 means "as the
 * occurrence says"). */
typedef struct FeedStatus {
        int done, required;
        bool met, overdue;
        Day done_on; /* valid when met */
} FeedStatus;

typedef struct IcalVersion {
        int64_t sequence;
        int64_t stamp; /* DTSTAMP = LAST-MODIFIED, seconds UTC */
} IcalVersion;

/* The UID of an occurrence: UUID form (version 8, RFC 9562) of SHA-256("dutyd-occurrence-v1\n"
 * + occurrence id). Depends on nothing else. */
void ical_occurrence_uid(const Config *c, const Occurrence *o, char out[static ICAL_UID_MAX]);

typedef struct IcalAlarm {
        int64_t trigger; /* seconds relative to the start of the due day */
        int days_left;
} IcalAlarm;

/* One event's data: its texts live in `text` (the SUMMARY, then the DESCRIPTION's pieces, each
 * NUL-terminated at the offsets in `at`). Zero-initialise once; fill it again and again with
 * ical_event_occurrence() / ical_event_summary() (the buffer is reused); ical_event_done() at
 * the end. */
typedef struct IcalEvent {
        char uid[ICAL_UID_MAX];
        Day due;
        int due_minute; /* > 0: a timed event at that local minute of `due`; 0: all day */
        DutyKind kind;
        IcalVersion version;
        IcalAlarm alarms[16];
        size_t n_alarms;
        Buf text;
        size_t at[1 + ICAL_PIECES_MAX]; /* at[0]: SUMMARY; at[1..n_pieces]: DESCRIPTION */
        size_t n_pieces;
        /* A piece that is the duty's own ('W' what, 'B' basis, 'N' note; 0: a text in `text`):
         * the renderer makes it from duty `duty` once, not from text built for every event. */
        char duty_piece[1 + ICAL_PIECES_MAX];
        uint32_t duty;
} IcalEvent;

/* An occurrence. `holders` (the occurrence's holders on its deadline, as occurrence_holders()
 * gives them) may be NULL: then they are computed. `st` may be NULL. */
int ical_event_occurrence(const Config *c, const Occurrence *o, const FeedStatus *st,
                          const size_t *holders, size_t n_holders, IcalVersion v, IcalEvent *ev);

/* A summary group: one duty's checkpoint, counted over the occurrences of all its assignments
 * (`o` is any one of them; `unmet` lists the first of those not met, at most
 * ICAL_UNMET_LISTED of them, by post). */
typedef struct IcalGroup {
        const Occurrence *o;
        int members, met, overdue;
        const Occurrence *unmet;
        size_t n_unmet;
} IcalGroup;

int ical_event_summary(const Config *c, const IcalGroup *g, IcalVersion v, IcalEvent *ev);
void ical_event_done(IcalEvent *ev);

/* A piece that is the duty's own (IcalEvent.duty_piece: 'W' what, 'B' basis, 'N' note),
 * appended to `b`. */
void ical_duty_text(const Config *c, const Duty *d, char kind, Buf *b);
