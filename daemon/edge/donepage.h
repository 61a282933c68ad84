/* donepage.h — the "mark done" page behind the links in reminders: /done/<token>.
 * Contract:
 *  - GET/HEAD: a small Chinese HTML page (no JavaScript, viewport meta, works on a phone): the
 *    duty, post, holders, period, deadline, status and clause, and a form (完成人 select of the
 *    post's holders, 说明) that POSTs to the same URL. Nothing is recorded by GET.
 *  - POST (application/x-www-form-urlencoded: person, note; decoded by libmicrohttpd's post
 *    processor from the body httpd.c collected, HTTPD_MAX_BODY at most; another content type, a
 *    malformed body, a field over 2000 bytes or with a NUL: 400): records one completion
 *    (source "link", dated today in the organisation's zone) and consumes the token in the same
 *    transaction (donelink_consume), then calls ctx->on_done(ctx->userdata) and shows 已记录.
 *  - An occurrence already met (by dutyctl, another link, a colleague), GET or POST: 200, a page
 *    that says so (该事项已完成), with the date of the completion that met it and the person it
 *    names, and no form. Nothing is recorded and the token is not consumed: it still works if
 *    that completion is undone, until it expires.
 *  - A malformed token or an occurrence no longer in the config: 404; a bad signature: 403;
 *    expired or already used: 410 — each a short Chinese page. Responses are never cached
 *    (Cache-Control: no-store) and send no Referer onwards (the URL is a capability).
 *  - The context is borrowed and must outlive the Httpd; *ctx->config is read on every request,
 *    so a reload that swaps the Config is seen. */
#pragma once
#include <stddef.h>

#include "config.h"
#include "httpd.h"
#include "store.h"
#include "util.h"

typedef struct DonePageContext {
        Config **config;
        Store *store;
        void (*on_done)(void *userdata); /* may be NULL */
        void *userdata;
} DonePageContext;

int donepage_register(Httpd *h, DonePageContext *ctx);
