/* consolelink.h — the clerks' secret links to the console (console.h): /console/<token>/.
 * Contract:
 *  - A link belongs to one person of the config (the clerk it acts for: every change made
 *    through it is recorded as theirs). Its token is FEEDTOKEN_LEN characters from the OS
 *    CSPRNG (feedtoken_generate); only its SHA-256 is stored (table console_links), so the
 *    database does not give the links away. A person may hold several links (a phone and a
 *    desktop); consolelink_revoke() ends all of a person's links at once.
 *  - Each link has a CSRF secret of its own (32 hex digits, random), which the console puts in
 *    its forms and checks on every POST (consolelink_csrf_equal: constant time).
 *  - Tokens are secrets: this module never logs or prints them; the CLI prints a new link's
 *    address once, to the operator who made it.
 *  - Functions return 0 or a negative errno (-EIO SQLite, -ENOENT, -ENOMEM). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feedtoken.h"
#include "store.h"

#define CONSOLELINK_CSRF_LEN 32

typedef struct ConsoleLink {
        int64_t id;
        char *person;
        char csrf[CONSOLELINK_CSRF_LEN + 1];
        int64_t created, revoked_at; /* unix seconds; revoked_at 0: valid */
} ConsoleLink;

/* A new link for `person`; ret gets its token (to be shown once). */
int consolelink_make(Store *s, const char *person, char ret[static FEEDTOKEN_LEN + 1]);
/* The valid link of `token` (any string): -ENOENT when malformed, unknown or revoked. */
int consolelink_find(Store *s, const char *token, ConsoleLink *ret);
/* Revokes every valid link of `person`; *ret_n (may be NULL) gets how many. */
int consolelink_revoke(Store *s, const char *person, int *ret_n);
/* Every link (revoked ones too), oldest first. */
int consolelink_list(Store *s, ConsoleLink **ret, size_t *ret_n);
void consolelink_done(ConsoleLink *l);
void consolelink_list_free(ConsoleLink *v, size_t n);
bool consolelink_csrf_equal(const ConsoleLink *l, const char *candidate);
