/* ical.h — serialises calendars and their events (RFC 5545 + RFC 7986) with libical.
 * Contract: pure (no I/O, no clock): the same inputs always give the same bytes.
 *  - Events (icalevent.h): all-day DTSTART;VALUE=DATE with an exclusive DTEND, the UID, DTSTAMP
 *    = LAST-MODIFIED and SEQUENCE of the event's version, ORGANIZER, SUMMARY, DESCRIPTION,
 *    CATEGORIES, STATUS:CONFIRMED, TRANSP:TRANSPARENT, a VALARM (DISPLAY) per alarm. The
 *    calendar carries METHOD:PUBLISH, so the HTTP type must say method=PUBLISH (see
 *    ICAL_CONTENT_TYPE).
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
#include "icalevent.h"
#include "schedule.h"
#include "util.h"

#define ICAL_CONTENT_TYPE "text/calendar; charset=utf-8; method=PUBLISH"

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

/* The text cleaner applied to every TEXT value: drops C0 controls except newline (tab becomes a
 * space), DEL and C1 controls, CR; replaces invalid UTF-8 by U+FFFD. Exposed for the tests. */
char *ical_clean_text(const char *s);
