/* console.c — see console.h. */
#include "console.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "completion.h"
#include "consolelink.h"
#include "consoleview.h"
#include "evidence.h"
#include "i18n.h"
#include "log.h"
#include "report.h"
#include "schedule.h"
#include "tz.h"
#include "export.h"

#define FORM_BUFFER (64 * 1024) /* the post processor's buffer: a field's name and a chunk */
#define FIELD_MAX 128           /* csrf, person, date */

struct Console {
        Exports *exports;
        Config **config;
        Store *store;
        void (*on_done)(void *userdata);
        void *userdata;
        magic_t magic;
};

/* ---- the form ----------------------------------------------------------------------------- */

typedef struct Upload {
        char *name; /* as the browser sent it: never trusted, cleaned before it is kept */
        Buf data;
} Upload;

typedef struct RecordForm {
        Buf csrf, person, date, note;
        Upload files[EVIDENCE_MAX_FILES];
        size_t n_files;
        int error; /* the first refusal: -E2BIG a file too large, -EMLINK too many, -EINVAL */
} RecordForm;

static void record_form_done(RecordForm *f) {
        buf_done(&f->csrf), buf_done(&f->person), buf_done(&f->date), buf_done(&f->note);
        for (size_t i = 0; i < f->n_files; i++)
                free(f->files[i].name), buf_done(&f->files[i].data);
}

static enum MHD_Result refuse_field(RecordForm *f, int error) {
        if (!f->error)
                f->error = error;
        return MHD_NO;
}

/* A piece of a file: a new file starts at offset 0 (an empty file input sends a part with no
 * name and no bytes, which is skipped). */
static enum MHD_Result file_part(RecordForm *f, const char *filename, const char *data,
                                 uint64_t off, size_t size) {
        if (off == 0 && size == 0 && (!filename || !*filename))
                return MHD_YES;
        if (off == 0) {
                if (f->n_files == EVIDENCE_MAX_FILES)
                        return refuse_field(f, -EMLINK);
                Upload *u = &f->files[f->n_files++];
                if (!(u->name = strdup(filename ? filename : "")))
                        return refuse_field(f, -ENOMEM);
        }
        Upload *u = &f->files[f->n_files - 1];
        if (size > EVIDENCE_MAX_BYTES - u->data.len)
                return refuse_field(f, -E2BIG);
        buf_put(&u->data, data, size);
        return u->data.oom ? refuse_field(f, -ENOMEM) : MHD_YES;
}

static enum MHD_Result form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size) {
        RecordForm *f = cls;
        (void)kind, (void)content_type, (void)transfer_encoding;
        if (streq(key, "evidence"))
                return file_part(f, filename, data, off, size);
        Buf *b = streq(key, "csrf")     ? &f->csrf
                 : streq(key, "person") ? &f->person
                 : streq(key, "date")   ? &f->date
                 : streq(key, "note")   ? &f->note
                                        : NULL;
        if (!b)
                return MHD_YES; /* any other field is ignored */
        if (off == 0)
                buf_done(b); /* a field given twice: the last one counts */
        size_t max = b == &f->note ? CONSOLE_NOTE_MAX : FIELD_MAX;
        if (size > max - b->len || (size && memchr(data, 0, size)))
                return refuse_field(f, -EINVAL);
        buf_put(b, size ? data : "", size);
        return MHD_YES;
}

/* The record form (httpd_read_form). 0 or the first refusal. */
static int form_read(const HttpRequest *req, RecordForm *f) {
        int r = httpd_read_form(req, FORM_BUFFER, form_field, f);
        if (f->error)
                return f->error;
        if (f->csrf.oom || f->person.oom || f->date.oom || f->note.oom)
                return -ENOMEM;
        return r;
}

/* ---- answers ----------------------------------------------------------------------------- */

/* Browsers post a page's own forms with Origin: null under no-referrer: same-origin keeps
 * the Origin check possible and still sends no Referer to another site. */
#define REFERRER "same-origin"
#define PAGE_CSP                                                                              \
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none';" \
        " frame-ancestors 'none'"

static enum MHD_Result queue(const HttpRequest *req, unsigned status, struct MHD_Response *r) {
        if (!r)
                return MHD_NO;
        httpd_private_headers(r, REFERRER);
        enum MHD_Result q = MHD_queue_response(req->connection, status, r);
        MHD_destroy_response(r);
        return q;
}

static enum MHD_Result send_page(const HttpRequest *req, unsigned status, Buf *b) {
        return httpd_respond_page(req, status, b, REFERRER, PAGE_CSP);
}

static enum MHD_Result message(const HttpRequest *req, unsigned status, const char *title,
                               const char *text) {
        Buf b = {0};
        consoleview_message(&b, title, text);
        return send_page(req, status, &b);
}

/* 303 to `location` (relative to the request's URL). */
static enum MHD_Result see_other(const HttpRequest *req, const char *location) {
        struct MHD_Response *r =
                MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
        return queue(req, MHD_HTTP_SEE_OTHER, r);
}

/* 303 from <prefix>/<token> to <token>/ (relative: the same link with its final slash). */
static enum MHD_Result see_other_slash(const HttpRequest *req) {
        _cleanup_free_ char *to = strfmt("%s/", strrchr(req->path, '/') + 1);
        return to ? see_other(req, to) : MHD_NO;
}

/* A download from `fd` (taken over), sandboxed should a browser show it. */
static enum MHD_Result attachment_fd(const HttpRequest *req, const char *type, const char *filename,
                                     int fd, uint64_t size) {
        struct MHD_Response *r = MHD_create_response_from_fd(size, fd);
        if (!r) {
                close(fd);
                return MHD_NO;
        }
        _cleanup_free_ char *disposition = strfmt("attachment; filename=\"%s\"", filename);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        if (disposition)
                MHD_add_response_header(r, "Content-Disposition", disposition);
        MHD_add_response_header(r, "Content-Security-Policy", "sandbox");
        return queue(req, MHD_HTTP_OK, r);
}

/* ---- one request ------------------------------------------------------------------------- */

typedef struct ConsoleRequest {
        Console *con;
        const Config *c;
        const HttpRequest *req;
        ConsoleLink link;
        ssize_t clerk; /* the link's person in the config */
        Day today;
} ConsoleRequest;

static const char *query(const ConsoleRequest *q, const char *name) {
        return MHD_lookup_connection_value(q->req->connection, MHD_GET_ARGUMENT_KIND, name);
}

static int query_filter(const ConsoleRequest *q, ConsoleFilter *f) {
        const char *post = query(q, "post"), *person = query(q, "person"),
                   *state = query(q, "state");
        *f = (ConsoleFilter){-1, -1, CONSOLE_ALL};
        if (post && *post && (f->post = config_find_post(q->c, post)) < 0)
                return -EINVAL;
        if (person && *person && (f->person = config_find_person(q->c, person)) < 0)
                return -EINVAL;
        int s = state && *state ? console_state_from_key(state) : CONSOLE_ALL;
        if (s < 0)
                return -EINVAL;
        f->state = (ConsoleStateFilter)s;
        return 0;
}

static enum MHD_Result overview(ConsoleRequest *q) {
        ConsoleFilter f;
        if (query_filter(q, &f) < 0)
                return message(q->req, 400, "筛选条件无效", "岗位、人员或状态不在当前配置中。");
        _cleanup_(ledger_freep) Ledger *lg = NULL;
        ConsoleRows rows = {0};
        int r = ledger_load(q->con->store, &lg);
        if (r == 0)
                r = consoleview_rows(q->c, lg, q->today, &f, &rows);
        if (r < 0)
                return message(q->req, 500, "内部错误", "无法读取履职记录，请稍后再试。");
        ConsolePage p = {q->c, q->c->people[q->clerk].name, q->today};
        Buf b = {0};
        consoleview_overview(&b, &p, &f, &rows);
        consoleview_rows_done(&rows);
        return send_page(q->req, 200, &b);
}

/* ---- one occurrence ---------------------------------------------------------------------- */

/* The occurrence's completions (valid ones) and their files, for its history. */
typedef struct History {
        Completion *comps;
        size_t n_comps;
        EvidenceFile *files;
        size_t n_files;
        ConsoleEntry *entries;
        ConsoleFile *views;
        size_t n;
} History;

static void history_done(History *h) {
        completion_list_free(h->comps, h->n_comps);
        evidence_list_free(h->files, h->n_files);
        free(h->entries), free(h->views);
        *h = (History){0};
}

static bool of_occurrence(const Config *c, const Occurrence *o, const Completion *x) {
        char pid[96];
        occurrence_period_id(c, o, pid, sizeof(pid));
        const char *person = o->person >= 0 ? c->people[o->person].id : "";
        return streq(x->duty, c->duties[o->duty].id) && streq(x->post, c->posts[o->post].id) &&
               streq(x->person, person) && streq(x->period, pid);
}

static int history_load(Store *s, const Config *c, const Occurrence *o, History *h) {
        *h = (History){0};
        int r = completion_list(s, false, &h->comps, &h->n_comps);
        if (r == 0)
                r = evidence_list(s, 0, &h->files, &h->n_files);
        if (r == 0 && !(h->entries = calloc(h->n_comps + 1, sizeof(*h->entries))))
                r = -ENOMEM;
        if (r == 0 && !(h->views = calloc(h->n_files + 1, sizeof(*h->views))))
                r = -ENOMEM;
        size_t nv = 0;
        for (size_t i = 0; r == 0 && i < h->n_comps; i++) {
                if (!of_occurrence(c, o, &h->comps[i]))
                        continue;
                ConsoleEntry *e = &h->entries[h->n++];
                *e = (ConsoleEntry){.completion = &h->comps[i], .files = h->views + nv};
                for (size_t j = 0; j < h->n_files; j++)
                        if (h->files[j].completion == h->comps[i].id) {
                                const EvidenceFile *f = &h->files[j];
                                h->views[nv++] = (ConsoleFile){f->sha256, f->name, f->size};
                                e->n_files++;
                        }
        }
        if (r < 0)
                history_done(h);
        return r;
}

static enum MHD_Result occurrence_page(ConsoleRequest *q, const Occurrence *o, unsigned status,
                                       const char *result, bool ok) {
        _cleanup_(ledger_freep) Ledger *lg = NULL;
        History h;
        int r = ledger_load(q->con->store, &lg);
        if (r == 0)
                r = history_load(q->con->store, q->c, o, &h);
        if (r < 0)
                return message(q->req, 500, "内部错误", "无法读取履职记录，请稍后再试。");
        OccStatus st;
        ledger_status(lg, q->c, o, q->today, &st);
        ConsolePage p = {q->c, q->c->people[q->clerk].name, q->today};
        Buf b = {0};
        consoleview_occurrence(&b, &p, o, &st, h.entries, h.n, q->link.csrf, result, ok);
        history_done(&h);
        return send_page(q->req, status, &b);
}

static enum MHD_Result show_occurrence(ConsoleRequest *q, const Occurrence *o) {
        const char *recorded = query(q, "recorded");
        _cleanup_free_ char *said = NULL;
        if (recorded && *recorded && strspn(recorded, "0123456789") == strlen(recorded) &&
            strlen(recorded) < 19)
                said = strfmt("已记录（履职记录编号 %s）。", recorded);
        return occurrence_page(q, o, 200, said, true);
}

/* ---- recording --------------------------------------------------------------------------- */

/* The Origin of a form's POST, when the browser sends one, is the server's own: the scheme
 * may differ behind a TLS proxy, the host (with its port) may not. */
static bool same_origin(const ConsoleRequest *q) {
        struct MHD_Connection *c = q->req->connection;
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        if (!origin)
                return true;
        const char *sep = strstr(origin, "://");
        return host && sep && streq(sep + 3, host);
}

/* Who did it: a holder of the post (per_holder: that person), or none when not said. */
static int form_person(const ConsoleRequest *q, const Occurrence *o, const char *id, ssize_t *ret) {
        size_t h[MAX_POST_HOLDERS];
        size_t nh = occurrence_holders(q->c, o, q->today, h, MAX_POST_HOLDERS);
        if (nh == 0)
                nh = occurrence_holders(q->c, o, o->due, h, MAX_POST_HOLDERS);
        *ret = o->person >= 0 ? o->person : nh == 1 ? (ssize_t)h[0] : -1;
        if (!id || !*id)
                return 0;
        for (size_t j = 0; j < nh; j++)
                if (streq(q->c->people[h[j]].id, id)) {
                        *ret = (ssize_t)h[j];
                        return 0;
                }
        return -EINVAL;
}

/* The type libmagic finds in the content (the name and the browser's word are not asked), as
 * evidence_type_allowed()'s static string: magic_buffer()'s answer lives only until the next
 * call. */
static int check_types(const ConsoleRequest *q, const RecordForm *f, const char **types) {
        for (size_t i = 0; i < f->n_files; i++) {
                const Upload *u = &f->files[i];
                const char *found =
                        u->data.len ? magic_buffer(q->con->magic, u->data.data, u->data.len) : NULL;
                if (!(types[i] = evidence_type_allowed(found)))
                        return -EMEDIUMTYPE;
        }
        return 0;
}

/* The files stored (durably), then the completion and its files in one transaction. */
static int record(ConsoleRequest *q, const CompletionInput *in, const RecordForm *f,
                  const char *const *types, int64_t *ret_id) {
        Store *s = q->con->store;
        EvidenceFile ev[EVIDENCE_MAX_FILES] = {0};
        int r = 0;
        for (size_t i = 0; r == 0 && i < f->n_files; i++) {
                const Upload *u = &f->files[i];
                ev[i] = (EvidenceFile){.size = (int64_t)u->data.len, .mime = (char *)types[i]};
                r = evidence_save(s, u->data.data, u->data.len, ev[i].sha256);
                if (r == 0 && !(ev[i].name = evidence_clean_name(u->name)))
                        r = -ENOMEM;
        }
        if (r == 0 && (r = store_begin(s)) == 0) {
                r = completion_add(s, q->c, in, ret_id);
                for (size_t i = 0; r == 0 && i < f->n_files; i++)
                        r = evidence_attach(s, *ret_id, &ev[i]);
                if (r == 0)
                        r = store_commit(s);
                if (r < 0)
                        store_rollback(s);
        }
        for (size_t i = 0; i < f->n_files; i++)
                free(ev[i].name);
        return r;
}

static enum MHD_Result form_refused(ConsoleRequest *q, const Occurrence *o, int r) {
        switch (r) {
        case -E2BIG: return occurrence_page(q, o, 413, "附件过大：每个文件不能超过 10 MB。", false);
        case -EMLINK: return occurrence_page(q, o, 400, "附件过多：每次最多 5 个文件。", false);
        case -EMEDIUMTYPE:
                return occurrence_page(
                        q, o, 415, "附件类型不支持：只接受 PDF、JPEG、PNG、WebP、HEIC。", false);
        case -ENOMEM: return message(q->req, 500, "内部错误", "登记失败，请稍后再试。");
        default:
                return occurrence_page(q, o, 400, "提交的内容格式不正确、说明过长或含无效字符。",
                                       false);
        }
}

/* The form's fields checked: 0, or the page that refuses it has been queued (*ret). */
static int form_check(ConsoleRequest *q, const Occurrence *o, const RecordForm *f, ssize_t *by,
                      Day *date, enum MHD_Result *ret) {
        const char *person = f->person.data, *note = f->note.data, *day = f->date.data;
        if ((note && !utf8_valid(note, f->note.len)) ||
            (person && !utf8_valid(person, f->person.len))) {
                *ret = form_refused(q, o, -EINVAL);
                return -EINVAL;
        }
        if (form_person(q, o, person, by) < 0) {
                *ret = occurrence_page(q, o, 400, "所选完成人不在该岗位。", false);
                return -EINVAL;
        }
        *date = day ? day_parse(day) : DAY_INVALID;
        if (*date == DAY_INVALID || *date > q->today || *date < o->period_start) {
                *ret = occurrence_page(q, o, 400, "日期无效：应在本周期开始之后、今天或以前。",
                                       false);
                return -EINVAL;
        }
        return 0;
}

static enum MHD_Result post_record(ConsoleRequest *q, const Occurrence *o) {
        if (!same_origin(q))
                return message(q->req, 403, "无法登记", "表单来自其他网站，已拒绝。");
        _cleanup_(record_form_done) RecordForm f = {0};
        int r = form_read(q->req, &f);
        if (r < 0)
                return form_refused(q, o, r);
        if (!consolelink_csrf_equal(&q->link, f.csrf.data))
                return message(q->req, 403, "表单已失效", "请返回台账，刷新页面后重新登记。");
        ssize_t by;
        Day date;
        enum MHD_Result refused;
        if (form_check(q, o, &f, &by, &date, &refused) < 0)
                return refused;
        const char *types[EVIDENCE_MAX_FILES] = {0};
        if ((r = check_types(q, &f, types)) < 0)
                return form_refused(q, o, r);
        _cleanup_(ledger_freep) Ledger *lg = NULL;
        OccStatus st;
        if (ledger_load(q->con->store, &lg) < 0)
                return form_refused(q, o, -ENOMEM);
        ledger_status(lg, q->c, o, q->today, &st);
        if (st.met)
                return occurrence_page(q, o, 409, "该事项已完成，无需再次登记。", false);
        const char *clerk = q->c->people[q->clerk].id;
        CompletionInput in = {.occ = o,
                              .done_by = by >= 0 ? q->c->people[by].id : NULL,
                              .date = date,
                              .note = f.note.data && *f.note.data ? f.note.data : NULL,
                              .source = "console",
                              .recorded_by = clerk};
        int64_t id = 0;
        if ((r = record(q, &in, &f, types, &id)) < 0) {
                log_error(_("console: recording a completion for %s failed: %s"), clerk,
                          strerror(-r));
                return message(q->req, 500, "内部错误", "登记失败，请稍后再试。");
        }
        char occ[OCCURRENCE_ID_MAX];
        occurrence_id(q->c, o, occ, sizeof(occ));
        log_info(_("console: %s recorded completion %lld of %s with %zu file(s)"), clerk,
                 (long long)id, occ, f.n_files);
        if (q->con->on_done)
                q->con->on_done(q->con->userdata);
        _cleanup_free_ char *to = strfmt("./%s?recorded=%lld", occ, (long long)id);
        return to ? see_other(q->req, to) : MHD_NO;
}

/* ---- files ------------------------------------------------------------------------------- */

/* RFC 8187's percent-encoding of a file name, by libcurl. malloc'd; NULL when out of memory. */
static char *escape_filename(const char *name) {
        char *e = curl_easy_escape(NULL, name, 0);
        char *r = e ? strdup(e) : NULL;
        curl_free(e);
        return r;
}

/* An evidence file named by a completion: sent as an attachment under a plain name (the
 * stored name, escaped by curl, in filename*), sandboxed, never sniffed. */
static enum MHD_Result evidence_file(ConsoleRequest *q, const char *hash) {
        EvidenceFile f;
        int fd = -1;
        if (!evidence_hash_valid(hash) || evidence_find(q->con->store, hash, &f) < 0)
                return httpd_respond_not_found(q->req);
        struct stat st;
        int r = evidence_open(q->con->store, hash, &fd);
        if (r == 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
                r = -EIO;
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                evidence_file_done(&f);
                return r == -ENOENT ? httpd_respond_not_found(q->req)
                                    : message(q->req, 500, "内部错误", "无法读取该文件。");
        }
        struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        if (!resp)
                close(fd);
        _cleanup_free_ char *escaped = escape_filename(f.name);
        const char *ext = strchr(f.mime, '/') + 1; /* pdf, jpeg, png, webp, heic */
        _cleanup_free_ char *disposition =
                escaped ? strfmt("attachment; filename=\"evidence.%s\"; filename*=UTF-8''%s", ext,
                                 escaped)
                        : NULL;
        if (resp) {
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f.mime);
                MHD_add_response_header(resp, "Content-Disposition",
                                        disposition ? disposition : "attachment");
                MHD_add_response_header(resp, "Content-Security-Policy", "sandbox");
        }
        evidence_file_done(&f);
        return queue(q->req, MHD_HTTP_OK, resp);
}

/* ?year=Y (2000–2100), else this year. */
static int query_year(const ConsoleRequest *q, int *ret) {
        const char *y = query(q, "year");
        *ret = day_to_ymd(q->today).y;
        if (!y || !*y)
                return 0;
        char *end;
        long v = strtol(y, &end, 10);
        if (*end || v < 2000 || v > 2100)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

/* The year's record as a download, written by `dutyctl report` in a child process (export.h)
 * while the request waits: the workbook, or CSV with the byte-order mark Excel and WPS need. */
static enum MHD_Result report_download(ConsoleRequest *q, const char *format) {
        bool xlsx = streq(format, "xlsx");
        int year;
        if (query_year(q, &year) < 0)
                return message(q->req, 400, "年份无效", "年份应在 2000 至 2100 之间。");
        Export *ex = httpd_waited(q->req);
        enum MHD_Result result;
        if (!ex) {
                int r = export_start(q->con->exports, q->req, q->c->path, year, format, &result);
                return r < 0 ? message(q->req, 500, "内部错误", "无法生成履职档案，请稍后再试。")
                             : result;
        }
        int fd = export_result(ex);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) < 0) {
                close(fd);
                fd = -errno;
        }
        if (fd < 0)
                return message(q->req, 500, "内部错误", "无法生成履职档案，请稍后再试。");
        char name[48];
        snprintf(name, sizeof(name), "dutyd-record-%d.%s", year, format);
        return attachment_fd(q->req,
                             xlsx ? "application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet"
                                  : "text/csv; charset=utf-8",
                             name, fd, (uint64_t)st.st_size);
}

/* ---- routing ----------------------------------------------------------------------------- */

static enum MHD_Result occurrence(ConsoleRequest *q, const char *id) {
        Occurrence o;
        if (strlen(id) >= OCCURRENCE_ID_MAX || schedule_find(q->c, id, &o) < 0 || o.event)
                return message(q->req, 404, "找不到", "该事项不在当前配置中。");
        return q->req->method == HTTP_POST ? post_record(q, &o) : show_occurrence(q, &o);
}

static enum MHD_Result dispatch(ConsoleRequest *q, const char *sub) {
        bool post = q->req->method == HTTP_POST;
        if (startswith(sub, "occ/"))
                return occurrence(q, sub + 4);
        if (post)
                return message(q->req, 405, "不支持", "此地址不接受提交。");
        if (!*sub)
                return overview(q);
        if (startswith(sub, "evidence/"))
                return evidence_file(q, sub + 9);
        if (streq(sub, "report.csv"))
                return report_download(q, "csv");
        if (streq(sub, "report.xlsx"))
                return report_download(q, "xlsx");
        return httpd_respond_not_found(q->req);
}

static enum MHD_Result console_handler(const HttpRequest *req, void *userdata) {
        Console *con = userdata;
        const char *slash = strchr(req->rest, '/');
        size_t len = slash ? (size_t)(slash - req->rest) : strlen(req->rest);
        char token[FEEDTOKEN_LEN + 1];
        if (len != FEEDTOKEN_LEN)
                return httpd_respond_not_found(req);
        memcpy(token, req->rest, len);
        token[len] = 0;
        ConsoleRequest q = {.con = con, .c = *con->config, .req = req, .clerk = -1};
        int r = consolelink_find(con->store, token, &q.link);
        if (r < 0)
                return r == -ENOENT ? httpd_respond_not_found(req)
                                    : message(req, 500, "内部错误", "请稍后再试。");
        enum MHD_Result result;
        q.clerk = config_find_person(q.c, q.link.person);
        q.today = tz_day(clock_now());
        if (q.clerk < 0)
                result = message(req, 403, "链接已停用", "此链接对应的人员已不在配置中。");
        else if (!slash) /* the link without its final slash: the pages' links are relative */
                result = see_other_slash(req);
        else
                result = dispatch(&q, slash + 1);
        consolelink_done(&q.link);
        return result;
}

int console_new(sd_event *e, Httpd *h, Config **config, Store *store,
                void (*on_done)(void *userdata), void *userdata, Console **ret) {
        Console *con = calloc(1, sizeof(*con));
        if (!con)
                return -ENOMEM;
        *con = (Console){NULL, config, store, on_done, userdata, magic_open(MAGIC_MIME_TYPE)};
        int r = exports_new(e, &con->exports);
        if (r < 0) {
                log_error(_("console: cannot find dutyctl beside the daemon: %s"), strerror(-r));
                console_free(con);
                return r;
        }
        if (!con->magic || magic_load(con->magic, NULL) < 0) {
                log_error(_("console: cannot load libmagic's database: %s"),
                          con->magic ? magic_error(con->magic) : strerror(ENOMEM));
                console_free(con);
                return -EIO;
        }
        r = httpd_add_route_sized(h, "/console/", HTTP_GET | HTTP_HEAD | HTTP_POST,
                                  CONSOLE_MAX_BODY, console_handler, con);
        if (r < 0) {
                console_free(con);
                return r;
        }
        *ret = con;
        return 0;
}

Console *console_free(Console *con) {
        if (!con)
                return NULL;
        if (con->magic)
                magic_close(con->magic);
        exports_free(con->exports);
        free(con);
        return NULL;
}
