/* config.c — the configuration model. See config.h. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

/* Issue #10: `dutyctl check` at 100,000 duties under 48 MiB peak RSS; each byte of a Duty is
 * 0.1 MB there. */
/* 144 bytes before event duties added their clock and levels (24), 16 of them paid by packing
 * ReminderPolicy. */
_Static_assert(sizeof(Duty) <= 152, "Duty grew: keep it packed (config.h, rule.h)");

const int default_reminder_before[3] = {7, 1, 0};

const char *const duty_kind_names[_KIND_MAX] = {"meeting", "inspection", "report",
                                                "drill",   "study",      "other"};
static const char *const kind_zh[_KIND_MAX] = {"会议", "检查", "报告", "演练", "学习", "其他"};

const char *duty_kind_to_string(DutyKind k) {
        return k < _KIND_MAX ? duty_kind_names[k] : "other";
}

const char *duty_kind_to_zh(DutyKind k) {
        return k < _KIND_MAX ? kind_zh[k] : "其他";
}

const char *const channel_type_names[_CHANNEL_MAX] = {"wecom", "dingtalk", "feishu", "webhook",
                                                      "smtp"};

const char *channel_type_to_string(ChannelType t) {
        return t < _CHANNEL_MAX ? channel_type_names[t] : "?";
}

/* ---- teardown ----------------------------------------------------------------------------
 * Items hold pooled memory only, but for a rule's holiday names and a channel's secret values
 * (read after loading, with their own allocations). */

static void secret_done(Secret *s) {
        if (s->value) {
                /* Do not leave the secret in freed heap memory. */
                explicit_bzero(s->value, strlen(s->value));
                free(s->value);
        }
        s->value = NULL;
}

void duty_done(Duty *d) {
        rule_done(&d->rule);
}

void channel_done(Channel *ch) {
        secret_done(&ch->key);
        secret_done(&ch->secret);
        secret_done(&ch->password);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_duties; i++)
                duty_done(&c->duties[i]);
        for (size_t i = 0; i < c->n_channels; i++)
                channel_done(&c->channels[i]);
        if (!c->flat) {
                free(c->documents);
                free(c->posts);
                free(c->people);
                free(c->duties);
                free(c->scopes);
                free(c->channels);
                free(c->routes);
        }
        free(c->flat);
        pool_free(c->pool);
        calendar_free(c->calendar);
        free(c->holders_off);
        free(c->holders);
        free(c);
        return NULL;
}

/* ---- lookups ------------------------------------------------------------------------------ */

char *config_local_url(const Config *c, const char *served) {
        if (served && *served)
                return strfmt("http://%s", served);
        return strfmt("http://%s", c->server.listen ? c->server.listen : DEFAULT_LISTEN);
}

char *config_server_url(const Config *c, const char *served, const char *path) {
        const char *base = c->server.public_url ? c->server.public_url : c->feeds.public_url;
        _cleanup_free_ char *fallback = NULL;
        if (!base || !*base) {
                if (!(fallback = config_local_url(c, served)))
                        return NULL;
                base = fallback;
        }
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
                n--;
        return strfmt("%.*s%s", (int)n, base, path);
}

#define FIND(arr, n)                         \
        for (size_t i = 0; i < c->n; i++)    \
                if (streq(c->arr[i].id, id)) \
                        return (ssize_t)i;   \
        return -1

ssize_t config_find_post(const Config *c, const char *id) {
        FIND(posts, n_posts);
}
ssize_t config_find_person(const Config *c, const char *id) {
        FIND(people, n_people);
}
ssize_t config_find_duty(const Config *c, const char *id) {
        FIND(duties, n_duties);
}
ssize_t config_find_channel(const Config *c, const char *id) {
        FIND(channels, n_channels);
}

static char *basis(const Config *c, const Duty *d, bool full) {
        const Document *doc = d->document >= 0 ? &c->documents[d->document] : NULL;
        if (!doc)
                return strdup(d->clause ? d->clause : "");
        if (!full) {
                const char *src = doc->number ? doc->number : doc->title;
                if (src && d->clause)
                        return strfmt("%s %s", src, d->clause);
                return strdup(src ? src : d->clause ? d->clause : "");
        }
        const char *title = doc->title ? doc->title : "", *number = doc->number;
        return strfmt("%s%s%s%s%s%s%s%s", *title ? "《" : "", title, *title ? "》" : "",
                      number ? "（" : "", number ? number : "", number ? "）" : "",
                      (*title || number) && d->clause ? " " : "", d->clause ? d->clause : "");
}

char *duty_basis(const Config *c, const Duty *d) {
        return basis(c, d, false);
}

char *duty_basis_full(const Config *c, const Duty *d) {
        return basis(c, d, true);
}

/* ---- where a duty applies ------------------------------------------------------------------ */

static bool in_holidays(const Calendar *cal, Day day) {
        for (size_t i = 0; cal && i < cal->n_holidays && cal->holidays[i].from <= day; i++)
                if (day <= cal->holidays[i].to)
                        return true;
        return false;
}

static bool in_season(const DutyScope *s, Day day) {
        Ymd t = day_to_ymd(day);
        int md = t.m * 100 + t.d;
        if (s->season_from <= s->season_until)
                return s->season_from <= md && md <= s->season_until;
        return md >= s->season_from || md <= s->season_until; /* across the year end */
}

bool duty_applies(const Config *c, const Duty *d, Day day) {
        if (!d->scope)
                return true;
        const DutyScope *s = &c->scopes[d->scope - 1];
        if ((s->from != DAY_INVALID && day < s->from) ||
            (s->until != DAY_INVALID && day > s->until))
                return false;
        switch (s->season) {
        case SEASON_DAYS: return in_season(s, day);
        case SEASON_HOLIDAYS: return in_holidays(c->calendar, day);
        default: return true;
        }
}

char *duty_scope_text(const Config *c, const Duty *d) {
        if (!d->scope)
                return strdup("");
        const DutyScope *s = &c->scopes[d->scope - 1];
        Buf b = {0};
        char day[11];
        if (s->from != DAY_INVALID || s->until != DAY_INVALID) {
                if (s->from != DAY_INVALID) {
                        day_format(s->from, day);
                        buf_printf(&b, "%s起", day);
                }
                if (s->until != DAY_INVALID) {
                        day_format(s->until, day);
                        buf_printf(&b, "%s%s止", s->from != DAY_INVALID ? "，" : "", day);
                }
        }
        const char *sep = b.len ? "；" : "";
        if (s->season == SEASON_HOLIDAYS)
                buf_printf(&b, "%s仅节假日期间", sep);
        else if (s->season == SEASON_DAYS)
                buf_printf(&b, "%s仅%s%s%d月%d日至%s%d月%d日%s", sep,
                           s->season_name ? s->season_name : "每年", s->season_name ? "（" : "",
                           s->season_from / 100, s->season_from % 100,
                           s->season_from > s->season_until ? "次年" : "", s->season_until / 100,
                           s->season_until % 100, s->season_name ? "）" : "");
        return buf_steal(&b);
}

/* ---- who holds a post ----------------------------------------------------------------------- */

static bool tenure_covers(Day from, Day until, Day day) {
        return (from == DAY_INVALID || from <= day) && day <= until;
}

size_t config_post_holders(const Config *c, size_t post, Day day, size_t *out, size_t n) {
        assert(post < c->n_posts);
        size_t k = 0;
        uint32_t last = UINT32_MAX;
        for (uint32_t i = c->holders_off[post]; i < c->holders_off[post + 1]; i++) {
                const PostTenure *t = &c->holders[i];
                if (t->person == last || !tenure_covers(t->from, t->until, day))
                        continue; /* a person counts once, however many tenures match */
                last = t->person;
                if (k < n)
                        out[k] = t->person;
                k++;
        }
        return k < n ? k : n;
}

/* The post → tenures index behind config_post_holders(), so that asking who holds a post does
 * not scan every person (feeds, routing and reports ask it for every occurrence). */
int config_index_holders(Config *c) {
        size_t total = 0;
        for (size_t i = 0; i < c->n_people; i++)
                total += c->people[i].n_tenures;
        if (total > UINT32_MAX)
                return -E2BIG;
        c->holders_off = calloc(c->n_posts + 1, sizeof(uint32_t));
        c->holders = calloc(total ? total : 1, sizeof(PostTenure));
        _cleanup_free_ uint32_t *fill = calloc(c->n_posts + 1, sizeof(uint32_t));
        if (!c->holders_off || !c->holders || !fill)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_people; i++)
                for (size_t j = 0; j < c->people[i].n_tenures; j++) {
                        assert(c->people[i].tenures[j].post < c->n_posts);
                        c->holders_off[c->people[i].tenures[j].post + 1]++;
                }
        for (size_t p = 0; p < c->n_posts; p++)
                c->holders_off[p + 1] += c->holders_off[p];
        for (size_t i = 0; i < c->n_people; i++)
                for (size_t j = 0; j < c->people[i].n_tenures; j++) {
                        const Tenure *t = &c->people[i].tenures[j];
                        c->holders[c->holders_off[t->post] + fill[t->post]++] =
                                (PostTenure){(uint32_t)i, t->from, t->until};
                }
        return 0;
}

char *duty_title_marked(const Duty *d) {
        char marks[RULE_MARKS_MAX];
        rule_marks(&d->rule, marks);
        return marks[0] ? strfmt("%s（%s）", d->title, marks) : strdup(d->title);
}
