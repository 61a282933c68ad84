/* export.h — the console's downloads, made off the loop: `dutyctl report` writes the file in a
 * child process while the request waits (httpd_suspend), and the request is answered from
 * the file when the child has ended.
 * Contract:
 *  - The child is the dutyctl beside the running program (/proc/self/exe's folder), run as
 *    `dutyctl -c CONFIG report --year Y --format xlsx --output TMP` (CSV: --period Y) with the daemon's
 *    environment (STATE_DIRECTORY, the locale, an injected clock), no signal blocked, stdin
 *    and stdout /dev/null, stderr the daemon's (the journal). TMP is a new file in $TMPDIR, else
 *    /tmp (the service's private /tmp), removed once the answer has it open, or when the
 *    request ends without one.
 *  - Its end is seen through a pidfd on the loop; one running longer than EXPORT_TIMEOUT_SEC
 *    is killed. A request whose client leaves meanwhile lets the child finish and its file be
 *    removed. exports_free() kills the children still running.
 *  - export_result(): the file open for reading (already unlinked), or -EIO when the child
 *    failed (its message is in the journal), -ETIMEDOUT, or another negative errno. */
#pragma once
#include <systemd/sd-event.h>

#include "httpd.h"
#include "util.h"

#define EXPORT_TIMEOUT_SEC 300

typedef struct Exports Exports;
typedef struct Export Export;

int exports_new(sd_event *e, Exports **ret);
Exports *exports_free(Exports *x);
DEFINE_FREEP(Exports, exports_free)

/* Starts the child for `req` and suspends the request: 0, and the handler returns *ret; or a
 * negative errno (nothing started, the request not suspended: the caller answers it). */
int export_start(Exports *x, const HttpRequest *req, const char *config_path, int year,
                 const char *format, enum MHD_Result *ret);
/* On the handler's second call, with httpd_waited(req): the file, or why not. */
int export_result(Export *ex);
