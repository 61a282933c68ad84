/* ctl-upcoming.h — `dutyctl upcoming`: the occurrences of a span of days by deadline.
 * Contract: the aligned table is streamed (the occurrences are planned a month at a time and
 * walked twice, first for the column widths, then to print; no row is kept), or one JSON
 * object a line (--json); with the daemon's state database each occurrence's status. */
#pragma once

int verb_upcoming(int argc, char **argv);
