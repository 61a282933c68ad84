/* eventrule.h — the clocks an event duty runs (国务院令第493号): deadlines counted from the
 * moment an event such as 事故 happened, in minutes, hours or days.
 * Contract: pure (no I/O, no clock, no allocation). A clock is one of
 *   within  N  a report due N minutes after the event (1小时内, `within: 2h`);
 *   every   N  a recurring report every N minutes from the event until it is closed
 *              (每日续报 = 1 day, 每天两次续报 = 12 hours, `every: 1d`);
 *   window  N  a supplementary report due by the end of the Nth day after the event's day
 *              (30日内补报, `window: 30d`; the day of the event is not counted, and a last day
 *              that is not a working day moves to the next working day, 民法典第二百零三条).
 * eventrule_parse() reads a duration ("30m", "2h", "7d") for a given kind, or one of the
 * phrases (N小时内, N分钟内, N日内补报, 每日续报, 每天两次续报, 每N小时续报); errors give the
 * byte offset where the text stopped making sense and an English message (a gettext msgid). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef enum EventClockKind {
        CLOCK_NONE, /* an event duty without a clock: alerted once when raised */
        CLOCK_WITHIN,
        CLOCK_EVERY,
        CLOCK_WINDOW,
        _CLOCK_MAX,
} EventClockKind;

typedef struct EventClock {
        EventClockKind kind;
        int minutes; /* WITHIN, EVERY: minutes; WINDOW: days × 1440 */
} EventClock;

/* Parses `s`. want = the kind of the key it is written under (a duration takes that kind; a
 * phrase must be of it), or CLOCK_NONE for a phrase of any kind (`clock:`).
 * 0, or -EINVAL with *ret_off and *ret_msg. */
int eventrule_parse(const char *s, EventClockKind want, EventClock *ret, size_t *ret_off,
                    const char **ret_msg);

/* The clock in Chinese ("事件发生后1小时内", …) and canonically ("within: 1h"). */
void eventrule_describe(const EventClock *k, char *buf, size_t n);
void eventrule_canonical(const EventClock *k, char *buf, size_t n);
/* The clock's length in minutes, for halves and leads (WINDOW: its days × 1440). */
static inline int eventclock_length(const EventClock *k) {
        return k->minutes;
}
