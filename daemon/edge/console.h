/* console.h — the safety office's console on dutyd's server: /console/<token>/ (consoleview.h
 * says what it shows).
 * Contract:
 *  - Access: a clerk's secret link (consolelink.h, made by `dutyctl console-link PERSON`). An
 *    unknown, malformed or revoked token gets the server's one 404; a link whose person is no
 *    longer in the config, 403. Responses are never cached, send no Referer to another site
 *    (same-origin: with no-referrer, browsers post the forms with Origin: null) and may not
 *    be framed; the pages carry a strict Content-Security-Policy (no script at all).
 *  - GET <link>              the overview (query: post, person, state).
 *    GET <link>occ/<id>      one occurrence: table, history with its evidence files, record form.
 *    POST <link>occ/<id>     multipart/form-data: csrf, person, date, note, evidence (files).
 *    GET <link>evidence/<h>  an evidence file by its SHA-256, as an attachment (sandboxed).
 *    GET <link>report.csv?year=Y, report.xlsx?year=Y  the year's record (CSV with a BOM), made
 *                            by `dutyctl report` in a child process (export.h), off the loop.
 *  - A POST is refused unless its csrf field is the link's secret and its Origin (when sent) is
 *    the server's own; nothing is recorded by GET. The request body is at most
 *    CONSOLE_MAX_BODY (413 at once when announced larger); each file at most
 *    EVIDENCE_MAX_BYTES (413), at most EVIDENCE_MAX_FILES, of a type libmagic finds in the
 *    content among evidence_type_allowed() (415; the file name and the browser's type are not
 *    trusted). A note over CONSOLE_NOTE_MAX bytes, bad UTF-8, a date outside [period start,
 *    today], a person not holding the post: 400. An occurrence met already: 409.
 *  - Recording: the files are stored durably first (evidence_save), then the completion
 *    (source "console", recorded_by the clerk) and its files in one transaction; then
 *    on_done(userdata) and 303 to the occurrence page, which says 已记录. Each change is
 *    logged with the clerk's id (never the token).
 *  - *config is read on every request (a reload is seen); the store is borrowed. */
#pragma once
#include "config.h"
#include "httpd.h"
#include "store.h"

#define CONSOLE_MAX_BODY (24u << 20)

typedef struct Console Console;

/* The server `h` must be freed before the console (it lets go of the requests that wait). */
int console_new(sd_event *e, Httpd *h, Config **config, Store *store,
                void (*on_done)(void *userdata), void *userdata, Console **ret);
Console *console_free(Console *c);
DEFINE_FREEP(Console, console_free)
