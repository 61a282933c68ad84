/* donepage.c — see donepage.h. */
#include "donepage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "completion.h"
#include "donelink.h"
#include "eventclock.h"
#include "html.h"
#include "raise.h"
#include "schedule.h"
#include "tz.h"

#define NOTE_MAX 2000
#define FORM_BUFFER 1024 /* the post processor's buffer for a field's name and value */

/* ---- the form --------------------------------------------------------------------------- */

/* The fields of a submitted form, as libmicrohttpd's post processor decodes them. */
typedef struct DoneForm {
        Buf person, note; /* data NULL: the field is absent */
        bool bad;         /* a field over NOTE_MAX bytes or with a NUL in it */
} DoneForm;

static void done_form_done(DoneForm *f) {
        buf_done(&f->person);
        buf_done(&f->note);
}

static enum MHD_Result form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size) {
        DoneForm *f = cls;
        (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
        Buf *b = streq(key, "person") ? &f->person : streq(key, "note") ? &f->note : NULL;
        if (!b)
                return MHD_YES; /* any other field is ignored */
        if (off == 0)
                buf_done(b); /* a field given twice: the last one counts */
        if (size > NOTE_MAX - b->len || (size && memchr(data, 0, size))) {
                f->bad = true;
                return MHD_NO;
        }
        buf_put(b, size ? data : "", size);
        return MHD_YES;
}

/* The form (httpd_read_form). 0; -EINVAL: another content type, a malformed body or a bad
 * field; -ENOMEM. */
static int form_read(const HttpRequest *req, DoneForm *f) {
        int r = httpd_read_form(req, FORM_BUFFER, form_field, f);
        if (f->person.oom || f->note.oom)
                return -ENOMEM;
        return r == 0 && !f->bad ? 0 : -EINVAL;
}

/* ---- pages ------------------------------------------------------------------------------------ */

static void page_head(Buf *b, const char *title) {
        html_page_head(b, title, "no-referrer",
                       "body{font-family:sans-serif;margin:1em auto;max-width:36em;padding:0 1em;"
                       "line-height:1.5}th{text-align:left;white-space:nowrap;padding-right:1em;"
                       "vertical-align:top}label{display:block;margin:.8em 0 .2em}"
                       "select,textarea,button{font-size:1em;width:100%;box-sizing:border-box}"
                       "button{margin-top:1em;padding:.6em}.ok{color:#070}.bad{color:#a00}");
}

static enum MHD_Result send_page(const HttpRequest *req, unsigned status, Buf *b) {
        buf_puts(b, "</body></html>\n");
        return httpd_respond_page(
                req, status, b, "no-referrer",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
}

static enum MHD_Result error_page(const HttpRequest *req, int err) {
        unsigned status;
        const char *title, *text;
        switch (err) {
        case -ESTALE:
                status = 410, title = "链接已过期";
                text = "这个办结登记链接已过期。请用 dutyctl done 登记，或联系管理员。";
                break;
        case -EALREADY:
                status = 410, title = "链接已使用";
                text = "这个办结登记链接已经使用过，履职已记录，无需重复登记。";
                break;
        case -EPERM:
                status = 403, title = "链接无效";
                text = "这个链接无法验证，可能被修改过。请使用提醒消息中的原始链接。";
                break;
        case -EBADMSG:
        case -ENOENT:
                status = 404, title = "找不到";
                text = err == -ENOENT ? "链接对应的事项已不在当前配置中。"
                                      : "没有这个办结登记链接。";
                break;
        default:
                status = 500, title = "内部错误";
                text = "登记失败，请稍后再试，或用 dutyctl done 登记。";
        }
        Buf b = {0};
        page_head(&b, title);
        buf_puts(&b, "<h1 class=\"bad\">");
        html_escape(&b, title);
        buf_puts(&b, "</h1><p>");
        html_escape(&b, text);
        buf_puts(&b, "</p>\n");
        return send_page(req, status, &b);
}

/* The occurrence's state in the record (one look at it): the ledger, which ret->met_by points
 * into (the caller frees it); NULL when the record cannot be read. */
static Ledger *occ_status(Store *s, const Config *c, const Occurrence *o, Day today,
                          OccStatus *ret) {
        Ledger *lg = NULL;
        *ret = (OccStatus){0};
        if (ledger_load(s, &lg) < 0)
                return NULL;
        ledger_status(lg, c, o, today, ret);
        return lg;
}

/* `st` NULL: the record could not be read. */
static void describe(Buf *b, const Config *c, const Occurrence *o, const OccStatus *st,
                     const size_t *h, size_t nh) {
        _cleanup_free_ char *names = people_names(c, h, nh);
        b->oom |= !names;
        html_occurrence_table(b, c, o, st, names, true, NULL);
}

static size_t holders_of(const Config *c, const Occurrence *o, Day today, size_t *h, size_t n) {
        size_t k = occurrence_holders(c, o, today, h, n);
        return k ? k : occurrence_holders(c, o, o->due, h, n);
}

/* A page about one occurrence: its head, `heading` (HTML) and the occurrence's table. The
 * holders shown are left in h (MAX_POST_HOLDERS); returns how many. */
static size_t occurrence_page(Buf *b, const char *title, const char *heading, const Config *c,
                              const Occurrence *o, Day today, const OccStatus *st, size_t *h) {
        size_t nh = holders_of(c, o, today, h, MAX_POST_HOLDERS);
        page_head(b, title);
        buf_puts(b, heading);
        describe(b, c, o, st, h, nh);
        return nh;
}

static enum MHD_Result form_page(const HttpRequest *req, const Config *c, const Occurrence *o,
                                 Day today, const OccStatus *st) {
        size_t h[MAX_POST_HOLDERS];
        Buf b = {0};
        size_t nh = occurrence_page(&b, "办结登记", "<h1>办结登记</h1>\n", c, o, today, st, h);
        buf_puts(&b, "<form method=\"post\">\n<label for=\"person\">完成人</label>"
                     "<select id=\"person\" name=\"person\">");
        if (nh != 1)
                buf_puts(&b, "<option value=\"\">（不指定）</option>");
        for (size_t j = 0; j < nh; j++) {
                buf_puts(&b, "<option value=\"");
                html_escape(&b, c->people[h[j]].id);
                buf_puts(&b, "\">");
                html_escape(&b, c->people[h[j]].name);
                buf_puts(&b, "</option>");
        }
        buf_printf(&b,
                   "</select>\n<label for=\"note\">说明（可选，如会议纪要编号）</label>"
                   "<textarea id=\"note\" name=\"note\" rows=\"3\" maxlength=\"%d\"></textarea>\n"
                   "<button type=\"submit\">登记完成</button>\n</form>\n"
                   "<p><small>登记后本链接即失效。</small></p>\n",
                   NOTE_MAX / 4);
        return send_page(req, 200, &b);
}

/* 400 with `text`. */
static enum MHD_Result refused(const HttpRequest *req, const char *text) {
        Buf b = {0};
        page_head(&b, "无法登记");
        buf_puts(&b, "<h1 class=\"bad\">无法登记</h1><p>");
        html_escape(&b, text);
        buf_puts(&b, "</p>\n");
        return send_page(req, 400, &b);
}

static enum MHD_Result met_page(const HttpRequest *req, const Config *c, const Occurrence *o,
                                Day today, const OccStatus *st);

static enum MHD_Result post_done(const HttpRequest *req, DonePageContext *ctx, const Config *c,
                                 const Occurrence *o, Day today) {
        _cleanup_(done_form_done) DoneForm f = {0};
        int r = form_read(req, &f);
        if (r == -ENOMEM)
                return error_page(req, r);
        const char *person = f.person.data, *note = f.note.data;
        if (r < 0 || (note && !utf8_valid(note, f.note.len)) ||
            (person && !utf8_valid(person, f.person.len)))
                return refused(req, "提交的内容格式不正确或说明过长。");
        size_t h[MAX_POST_HOLDERS];
        size_t nh = holders_of(c, o, today, h, MAX_POST_HOLDERS);
        ssize_t by = -1;
        if (person && *person) {
                for (size_t j = 0; j < nh; j++)
                        if (streq(c->people[h[j]].id, person))
                                by = (ssize_t)h[j];
                if (by < 0)
                        return refused(req, "所选完成人不在该岗位。");
        } else if (o->person >= 0)
                by = o->person;
        else if (nh == 1)
                by = (ssize_t)h[0];
        CompletionInput in = {.occ = o,
                              .done_by = by >= 0 ? c->people[by].id : NULL,
                              .date = today,
                              .note = note && *note ? note : NULL,
                              .source = "link"};
        int64_t id = 0;
        r = donelink_consume(ctx->store, c, req->rest, clock_now(), &in, &id);
        if (r == -EEXIST) { /* met meanwhile, by someone else */
                OccStatus st;
                _cleanup_(ledger_freep) Ledger *lg = occ_status(ctx->store, c, o, today, &st);
                if (lg)
                        return met_page(req, c, o, today, &st);
        }
        if (r < 0)
                return error_page(req, r);
        if (ctx->on_done)
                ctx->on_done(ctx->userdata);
        Buf b = {0};
        page_head(&b, "已记录");
        buf_puts(&b, "<h1 class=\"ok\">已记录</h1>\n");
        char date[11];
        day_format(today, date);
        buf_printf(&b, "<p>履职记录编号 %lld，日期 %s", (long long)id, date);
        if (by >= 0) {
                buf_puts(&b, "，完成人 ");
                html_escape(&b, c->people[by].name);
        }
        buf_puts(&b, "。</p>\n");
        OccStatus st;
        _cleanup_(ledger_freep) Ledger *lg = occ_status(ctx->store, c, o, today, &st);
        describe(&b, c, o, lg ? &st : NULL, h, nh);
        return send_page(req, 200, &b);
}

/* A checkpoint already met (by dutyctl, another link, a colleague): say so, by whom (when the
 * completion names someone) and on which day, offer no button and record nothing, whether the
 * form is fetched or submitted. */
static enum MHD_Result met_page(const HttpRequest *req, const Config *c, const Occurrence *o,
                                Day today, const OccStatus *st) {
        char day[11];
        day_format(st->met_on, day);
        ssize_t p = st->met_by ? config_find_person(c, st->met_by) : -1;
        Buf head = {0};
        buf_puts(&head, "<h1 class=\"ok\">该事项已完成</h1>\n<p>已有履职记录（");
        if (st->met_by) {
                html_escape(&head, p >= 0 ? c->people[p].name : st->met_by);
                buf_puts(&head, "，");
        }
        buf_printf(&head, "%s），无需再次登记。</p>\n", day);
        size_t h[MAX_POST_HOLDERS];
        Buf b = {0};
        (void)occurrence_page(&b, "已完成", head.data ? head.data : "", c, o, today, st, h);
        b.oom |= head.oom;
        buf_done(&head);
        return send_page(req, 200, &b);
}

/* A scheduled occurrence, or a deadline of an event's clock (eventclock.h): 0 or -ENOENT. */
static int find_occurrence(Store *s, const Config *c, const char *id, Occurrence *ret) {
        if (!eventclock_is_id(id))
                return schedule_find(c, id, ret);
        EventRec *ev = NULL;
        size_t n = 0;
        int r = event_list(s, false, &ev, &n);
        if (r == 0) /* a recurring report may be done a little ahead */
                r = eventclock_find(c, ev, n, id, clock_now() + 7 * 86400, ret);
        event_rec_list_free(ev, n);
        return r < 0 ? -ENOENT : 0;
}

static enum MHD_Result done_handler(const HttpRequest *req, void *userdata) {
        DonePageContext *ctx = userdata;
        const Config *c = *ctx->config;
        const char *token = req->rest;
        if (!*token || strchr(token, '/') || strlen(token) >= DONELINK_TOKEN_MAX)
                return error_page(req, -EBADMSG);
        _cleanup_free_ char *occ_id = NULL;
        int r = donelink_check(ctx->store, token, clock_now(), &occ_id);
        if (r < 0)
                return error_page(req, r);
        Occurrence o;
        if (find_occurrence(ctx->store, c, occ_id, &o) < 0)
                return error_page(req, -ENOENT);
        Day today = tz_day(clock_now());
        OccStatus st;
        _cleanup_(ledger_freep) Ledger *lg = occ_status(ctx->store, c, &o, today, &st);
        const OccStatus *known = lg ? &st : NULL;
        if (known && known->met)
                return met_page(req, c, &o, today, known);
        if (req->method == HTTP_POST)
                return post_done(req, ctx, c, &o, today);
        return form_page(req, c, &o, today, known);
}

int donepage_register(Httpd *h, DonePageContext *ctx) {
        int r = donelink_init(ctx->store);
        if (r < 0)
                return r;
        return httpd_add_route(h, "/done/", HTTP_GET | HTTP_HEAD | HTTP_POST, done_handler, ctx);
}
