/* ctl-feeds.h — dutyctl verbs for calendar feeds.
 *   dutyctl feeds write [--dir DIR]   every feed to DIR (default feeds.dir, else STATE/feeds),
 *                                     the bytes the server serves (the same renderer, state
 *                                     and versions), for those who publish static files
 *   dutyctl feeds list                each feed's https and webcal address (with its token;
 *                                     missing tokens created in one transaction)
 *   dutyctl feeds rotate [FEED]       new token for FEED (all feeds without FEED)
 *   dutyctl serve [--listen ADDR]     the feed server in the foreground until SIGINT/SIGTERM,
 *                                     rendering on request like the daemon (SIGHUP: re-read
 *                                     the record), for feeds published without the daemon
 * Contract: as ctl.h (Chinese output, exit status 0 / 1 / 2 usage / 78 config). Tokens are
 * printed only by `list` and `rotate`, to stdout, on the operator's request. */
#pragma once

int verb_feeds(int argc, char **argv);
int verb_serve(int argc, char **argv);

/* clang-format off */
#define CTL_FEEDS_VERBS \
        {"feeds", CTL_FULL(verb_feeds), N_("calendar feeds: write the files, list the addresses, rotate tokens")}, \
        {"serve", CTL_FULL(verb_serve), N_("serve the calendar feeds over HTTP in the foreground")},
/* clang-format on */
