/* ical.h — renders calendar feeds (RFC 5545 + RFC 7986) from occurrences, with libical.
 * Contract: pure (no I/O, no clock): the same Config, occurrences and statuses always give the
 * same bytes. One VEVENT per occurrence (expanded here, never RRULE): all-day
 * DTSTART;VALUE=DATE with an exclusive DTEND, TRANSP:TRANSPARENT, STATUS:CONFIRMED, ORGANIZER
 * (the calendar carries METHOD:PUBLISH, so the HTTP type must say method=PUBLISH, see
 * ICAL_CONTENT_TYPE), a UID derived only from the occurrence id (SHA-256, UUID form, no host
 * name), and DTSTAMP = LAST-MODIFIED and SEQUENCE derived from that occurrence's own content and
 * status, so an unchanged occurrence renders byte-identically. libical does the serialisation,
 * folding (≤75 octets, never inside a UTF-8 character) and TEXT escaping; control characters and
 * invalid UTF-8 are removed before text reaches it, and the properties libical 3.0.16 does not
 * escape (X-*, CATEGORIES) are made safe in one place (ical.c: text_prop()).
 * Returns 0 or a negative errno (-ENOMEM). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "date.h"
#include "schedule.h"

#define ICAL_CONTENT_TYPE "text/calendar; charset=utf-8; method=PUBLISH"
#define ICAL_UID_MAX 37 /* 36 characters of UUID form + NUL */

/* The completion state of one occurrence (issue 6 fills it from completions; all zero = nothing
 * known: `required` 0 means "as the occurrence says"). */
typedef struct FeedStatus {
        int done, required;
        bool met, overdue;
        Day done_on; /* valid when met */
} FeedStatus;

/* The UID of an occurrence: UUID form (version 8, RFC 9562) of SHA-256("dutyd-occurrence-v1\n"
 * + occurrence id). Depends on nothing else. */
void ical_occurrence_uid(const Config *c, const Occurrence *o, char out[static ICAL_UID_MAX]);

/* One VEVENT (BEGIN:VEVENT … END:VEVENT\r\n), as it appears inside a feed. `st` may be NULL. */
int ical_render_event(const Config *c, const Occurrence *o, const FeedStatus *st, char **ret,
                      size_t *ret_len);

/* ---- the parts, for feeds at scale ----
 * ical_event_prepare() computes everything an event's bytes depend on (texts, stamps, alarms)
 * and `key`, a SHA-256 over all of it (with the organiser's name): two events with the same key
 * render byte-identically, so a cache may keep rendered VEVENTs by key across rebuilds.
 * An IcalRenderer serialises prepared events by concatenating property lines that libical
 * rendered (libical still escapes and folds every value); lines shared by many events — the
 * constant properties, DTSTART/DTEND of a day, a SUMMARY, a VALARM block for a (text, trigger) —
 * are rendered once per renderer and reused. Its output is byte-identical to
 * ical_render_event(). A renderer is not thread-safe: use one per thread. */
typedef struct IcalAlarm {
        int64_t trigger; /* seconds relative to the start of the due day */
        int days_left;
} IcalAlarm;

typedef struct IcalEvent {
        char uid[ICAL_UID_MAX];
        Day due;
        DutyKind kind;
        int64_t stamp; /* DTSTAMP = LAST-MODIFIED, seconds UTC */
        int sequence;
        char *summary, *description; /* cleaned by libical's property path later */
        IcalAlarm alarms[16];
        size_t n_alarms;
        unsigned char key[32];
} IcalEvent;

/* `holders` (the occurrence's holders on its deadline, as occurrence_holders() gives them) may be
 * NULL: then they are computed. `st` may be NULL. */
int ical_event_prepare(const Config *c, const Occurrence *o, const FeedStatus *st,
                       const size_t *holders, size_t n_holders, IcalEvent *ret);
void ical_event_done(IcalEvent *ev);

typedef struct IcalRenderer IcalRenderer;
int ical_renderer_new(const Config *c, IcalRenderer **ret);
IcalRenderer *ical_renderer_free(IcalRenderer *r);
/* The VEVENT of a prepared event, NUL-terminated, in the renderer's buffer: valid until its
 * next use. */
int ical_renderer_event(IcalRenderer *r, const IcalEvent *ev, const char **ret, size_t *ret_len);

/* The calendar head: BEGIN:VCALENDAR and the calendar properties (VERSION, PRODID, CALSCALE,
 * METHOD, NAME, X-WR-CALNAME, X-WR-TIMEZONE, REFRESH-INTERVAL, X-PUBLISHED-TTL), without the
 * closing line. Append events, then ICAL_CALENDAR_END. */
int ical_render_head(const Config *c, const char *calname, char **ret, size_t *ret_len);
#define ICAL_CALENDAR_END "END:VCALENDAR\r\n"

/* A whole feed: head + one VEVENT per occurrence (statuses parallel to `occ`, may be NULL) +
 * END:VCALENDAR. */
int ical_render_feed(const Config *c, const char *calname, const Occurrence *occ,
                     const FeedStatus *st, size_t n, char **ret, size_t *ret_len);

/* The text cleaner applied to every TEXT value: drops C0 controls except newline (tab becomes a
 * space), DEL and C1 controls, CR; replaces invalid UTF-8 by U+FFFD. Exposed for the tests. */
char *ical_clean_text(const char *s);
