/* ical.h — renders calendar events (RFC 5545 + RFC 7986) with libical, and defines what an
 * event's version is made of.
 * Contract: pure (no I/O, no clock): the same inputs always give the same bytes.
 *  - Events: one VEVENT per occurrence (expanded here, never RRULE), or per summary group (one
 *    duty's checkpoint over all its posts, ical_event_summary()): all-day DTSTART;VALUE=DATE
 *    with an exclusive DTEND, TRANSP:TRANSPARENT, STATUS:CONFIRMED, ORGANIZER (the calendar
 *    carries METHOD:PUBLISH, so the HTTP type must say method=PUBLISH, see ICAL_CONTENT_TYPE),
 *    a UID derived only from the occurrence id (SHA-256, UUID form, no host name; a summary
 *    event's from "DUTY:PERIOD:CHECKPOINT" in a namespace of its own).
 *  - Versions. SEQUENCE and DTSTAMP = LAST-MODIFIED come from IcalVersion, which feeds.c adds up
 *    from counters that only ever grow (feedversion.h keeps them), so SEQUENCE never falls, the
 *    stamp never goes back, and every change of an event's date, text or status raises SEQUENCE:
 *      SEQUENCE = R(org) + Σ R(cal:YEAR) over the years the event's dates and alarms touch
 *                 + R(assignment "DUTY:POST[.PERSON]")   (a summary event: R(duty))
 *                 + C   completion records of the assignment's (summary: the duty's) period,
 *                       plus those of them undone
 *                 + P   1 once the deadline has passed (the day an event not done turns
 *                       逾期; counted for every event, so that a later undo cannot lower it)
 *      stamp    = the latest of those rows' times, of those records' and undos' times, and, when
 *                 P, the start of the day after the deadline.
 *    R(x) is the revision of a persistent row, raised (with its time set to now, never earlier
 *    than before) when the content hash of what the row covers changes: ical_hash_org() (the
 *    organiser), ical_hash_calendar_year() (a year's days off, make-up days and holiday names:
 *    a moved deadline), ical_hash_assignment() (the duty's texts, rule, reminders and document,
 *    the post's name and holders, the person) and ical_hash_duty_row() (a duty and its posts).
 *    Rows are per assignment, not per occurrence: the state stays small. A first revision is
 *    0, so an event nothing happened to has SEQUENCE 0 and the time its row was first seen.
 *  - Texts: libical serialises every property, escapes TEXT and folds lines (≤ 75 octets, never
 *    inside a UTF-8 character); control characters and invalid UTF-8 are removed before text
 *    reaches it, and the properties libical 3.0.16 does not escape (X-*, CATEGORIES) are made
 *    safe in one place (ical.c: text_prop()). A DESCRIPTION is a sequence of pieces (what, who,
 *    basis, period, deadline, progress, note), each serialised by libical once per renderer and
 *    joined to the previous one at a fold (CRLF SP): its unfolded value is their concatenation,
 *    and an event costs its dates, UID and status, not a libical call per text.
 * Returns 0 or a negative errno (-ENOMEM). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "date.h"
#include "schedule.h"
#include "util.h"

#define ICAL_CONTENT_TYPE "text/calendar; charset=utf-8; method=PUBLISH"
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

/* Serialises prepared events: the constant properties, and each distinct SUMMARY, DESCRIPTION
 * piece, day, stamp, VALARM text and trigger, are rendered by libical once per renderer and
 * reused, across events and feeds (of one Config). The memo holds at most
 * ICAL_RENDERER_MEMO_MAX bytes: past that it starts again empty. Not thread-safe: one per
 * thread. */
#define ICAL_RENDERER_MEMO_MAX (2u << 20) /* 2 MiB */
typedef struct IcalRenderer IcalRenderer;
int ical_renderer_new(const Config *c, IcalRenderer **ret);
IcalRenderer *ical_renderer_free(IcalRenderer *r);
/* Appends the VEVENT (BEGIN:VEVENT … END:VEVENT\r\n) to `out`. */
int ical_renderer_event(IcalRenderer *r, const IcalEvent *ev, Buf *out);

/* The calendar head: BEGIN:VCALENDAR and the calendar properties (VERSION, PRODID, CALSCALE,
 * METHOD, NAME, X-WR-CALNAME, X-WR-TIMEZONE, REFRESH-INTERVAL, X-PUBLISHED-TTL, and with a
 * `note` (may be NULL) DESCRIPTION and X-WR-CALDESC), without the closing line. Append events,
 * then ICAL_CALENDAR_END. */
int ical_render_head(const Config *c, const char *calname, const char *note, char **ret,
                     size_t *ret_len);
#define ICAL_CALENDAR_END "END:VCALENDAR\r\n"

/* One VEVENT of an occurrence, on its own (tests, small callers). `st` may be NULL. */
int ical_render_event(const Config *c, const Occurrence *o, const FeedStatus *st, IcalVersion v,
                      char **ret, size_t *ret_len);
/* A whole feed: head + one VEVENT per occurrence (statuses and versions parallel to `occ`, each
 * may be NULL: all zero) + END:VCALENDAR. */
int ical_render_feed(const Config *c, const char *calname, const Occurrence *occ,
                     const FeedStatus *st, const IcalVersion *v, size_t n, char **ret,
                     size_t *ret_len);

/* Content hashes behind the revisions (see Versions above). 0 is never returned. */
uint64_t ical_hash_org(const Config *c);
uint64_t ical_hash_calendar_year(const Config *c, int year);
uint64_t ical_hash_post(const Config *c, size_t post);
uint64_t ical_hash_duty(const Config *c, size_t duty);
/* From the duty's and the post's hashes; `person` >= 0 for a per-holder duty's holder. */
uint64_t ical_hash_assignment(const Config *c, uint64_t duty_hash, uint64_t post_hash,
                              ssize_t person);
/* A duty and its posts (`post_hash` indexed by post): what its summary events say. */
uint64_t ical_hash_duty_row(const Config *c, size_t duty, uint64_t duty_hash,
                            const uint64_t *post_hash);
/* Mixes a value into a hash (order matters). */
uint64_t ical_hash_mix(uint64_t h, uint64_t v);
uint64_t ical_hash_str(uint64_t h, const char *s);

/* The text cleaner applied to every TEXT value: drops C0 controls except newline (tab becomes a
 * space), DEL and C1 controls, CR; replaces invalid UTF-8 by U+FFFD. Exposed for the tests. */
char *ical_clean_text(const char *s);
