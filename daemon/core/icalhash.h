/* icalhash.h — the content hashes behind the calendar events' versions.
 * Contract: pure (no I/O): FNV-1a, 64 bits, over every field that an event shows, each field
 * length-prefixed; the same Config always gives the same hashes, and 0 is never returned.
 * Versions. SEQUENCE and DTSTAMP = LAST-MODIFIED come from IcalVersion (icalevent.h), which
 * feeds.c adds up from counters that only ever grow (feedversion.h keeps them), so SEQUENCE
 * never falls, the stamp never goes back, and every change of an event's date, text or status
 * raises SEQUENCE:
 *   SEQUENCE = R(org) + Σ R(cal:YEAR) over the years the event's dates and alarms touch
 *              + R(assignment "DUTY:POST[.PERSON]")   (a summary event: R(duty))
 *              + C   completion records of the assignment's (summary: the duty's) period,
 *                    plus those of them undone
 *              + P   1 once the deadline has passed (the day an event not done turns
 *                    逾期; counted for every event, so that a later undo cannot lower it)
 *   stamp    = the latest of those rows' times, of those records' and undos' times, and, when
 *              P, the start of the day after the deadline.
 * R(x) is the revision of a persistent row, raised (with its time set to now, never earlier than
 * before) when the content hash of what the row covers changes: ical_hash_org() (the
 * organiser), ical_hash_calendar_year() (a year's days off, make-up days and holiday names: a
 * moved deadline), ical_hash_assignment() (the duty's texts, rule, reminders and document, the
 * post's name and holders, the person) and ical_hash_duty_row() (a duty and its posts). Rows
 * are per assignment, not per occurrence: the state stays small. A first revision is 0, so an
 * event nothing happened to has SEQUENCE 0 and the time its row was first seen. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

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
