/* ctl-console.h — dutyctl and the safety office's console (edge/console.h):
 *   dutyctl console-link PERSON           a new secret link for the clerk PERSON, printed once
 *   dutyctl console-link --revoke PERSON  every link of PERSON stops working at once
 *   dutyctl console-link --list           who holds links, since when, revoked or not (the
 *                                         links themselves are not kept: only their hashes)
 * Contract: as ctl.h (exit statuses; messages through gettext, English msgids). The address
 * is the server's public one (server.public_url, else feeds.public_url, else the address the
 * daemon listens on). */
#pragma once

int verb_console_link(int argc, char **argv);

/* clang-format off */
#define CTL_CONSOLE_VERBS \
        {"console-link", verb_console_link, N_("a clerk's secret link to the console: make, revoke, list")},
/* clang-format on */
