/* holidays.h — the holiday data file: China's official working-day calendar, year by year
 * ({years: {YEAR: {source, holidays: [{id, name, from, to, work}]}}}).
 * Contract: load_holidays() reads the file `holidays:` names (relative to the main file's
 * folder; by default DEFAULT_HOLIDAYS there, else the installed copy) into Config.calendar,
 * sealed, even when it has errors (reported at their place; a file that cannot be read also at
 * the `holidays:` key). A year without data from STATUTORY_FIRST_YEAR to ten years after
 * `today` gets its statutory holidays, provisional (statutory.h); years of the planning range
 * (`today` and the next 12 months) without data are warnings. 0, -EINVAL or -ENOMEM.
 * holidays_provisional_note() gives the warning for a range that uses provisional years (the
 * user's words, Chinese), *ret NULL when it uses none; 0 or -ENOMEM. */
#pragma once
#include "keys.h"

int load_holidays(Loader *L);
/* The holiday data file a load of `c` reads (malloc'd; NULL when out of memory). */
char *holidays_file(const Config *c);
int holidays_provisional_note(const Calendar *cal, Day from, Day to, char **ret);
