/* duties.h — the `duties` list and what a duty holds: its rule (a phrase or a mapping), its
 * reminder policy (also the top-level `reminders:` defaults), and its hash.
 * Contract: parse_duty() fills duties[idx] (keys.h conventions); finish_duties(), once every
 * file and every kept item is read, gives each duty the `reminders:` defaults for the keys it
 * does not set itself (wherever that section is), then its Duty.hash — an FNV-1a of everything
 * that changes what its occurrences look like, byte for byte the same across versions (feed
 * SEQUENCE numbers persisted in users' state depend on it). */
#pragma once
#include <stddef.h>

#include "keys.h"

int parse_duty(Loader *L, const YNode *n, size_t idx);
/* The top-level `reminders:` mapping (or a duty's) into `p`. */
int parse_reminders(Loader *L, const YNode *n, ReminderPolicy *p);
int finish_duties(Loader *L);
