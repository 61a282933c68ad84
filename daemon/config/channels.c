/* channels.c — see channels.h. */
#include "channels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "i18n.h"
#include "values.h"

/* ---- channels ----------------------------------------------------------------------------- */

static int parse_secret(Loader *L, const YNode *n, Secret *s) {
        static const KeyDef secret_keys[] = {
                {.name = "file", .type = F_STR, .off = FIELD(Secret, file)},
                {.name = "credential", .type = F_STR, .off = FIELD(Secret, credential)},
        };
        if (n->type == Y_SCALAR)
                return err_at(L, n,
                              "a secret is not written here: use {file: PATH} or "
                              "{credential: NAME}");
        bool seen[2] = {0};
        if (parse_map(L, n, secret_keys, 2, s, seen) < 0)
                return -EINVAL;
        if (seen[0] == seen[1])
                return err_at(L, n, "give exactly one of 'file' or 'credential'");
        _cleanup_free_ char *where = strfmt("%s:%d:%d", L->path, (int)n->line, (int)n->column);
        if (!where || !(s->where = xstrdup(L, where)))
                return loader_oom(L);
        if (s->credential && (strchr(s->credential, '/') || s->credential[0] == '.'))
                return err_at(L, n, "invalid credential name '%s'", s->credential);
        return 0;
}

static int parse_key(Loader *L, const YNode *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->key);
}
static int parse_chsecret(Loader *L, const YNode *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->secret);
}
static int parse_password(Loader *L, const YNode *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->password);
}

static const KeyDef channel_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Channel, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Channel, name)},
        {.name = "type",
         .type = F_ENUM,
         .off = FIELD(Channel, type),
         .required = true,
         .names = channel_type_names,
         .n_names = _CHANNEL_MAX},
        {.name = "url", .type = F_STR, .off = FIELD(Channel, url), .check = check_any_url},
        {.name = "key", .type = F_CUSTOM, .custom = parse_key},
        {.name = "secret", .type = F_CUSTOM, .custom = parse_chsecret},
        {.name = "username", .type = F_STR, .off = FIELD(Channel, username)},
        {.name = "password", .type = F_CUSTOM, .custom = parse_password},
        {.name = "from", .type = F_STR, .off = FIELD(Channel, from)},
        {.name = "from_name",
         .type = F_STR,
         .off = FIELD(Channel, from_name),
         .check = check_header_text},
        {.name = "to", .type = F_STRLIST, .off = FIELD(Channel, to), .off_n = FIELD(Channel, n_to)},
        KEY_INT("rate_per_minute", Channel, rate_per_minute, 1, 100000),
        KEY_INT("timeout", Channel, timeout_sec, 1, 600),
        KEY_INT("give_up_hours", Channel, give_up_hours, 1, 24 * 30),
        {.name = "ca_file", .type = F_STR, .off = FIELD(Channel, ca_file), .check = check_ca_file},
        {.name = "insecure_tls", .type = F_BOOL, .off = FIELD(Channel, insecure_tls)},
};

static int check_channel(Loader *L, const YNode *n, Channel *c) {
        int r = 0;
        switch (c->type) {
        case CHANNEL_SMTP:
                if (!c->url || (strncmp(c->url, "smtp://", 7) && strncmp(c->url, "smtps://", 8)))
                        r = err_at(L, c->url ? ytree_get(L->t, n, "url") : n,
                                   "an smtp channel needs url: smtp://HOST:587 (STARTTLS) or "
                                   "smtps://HOST:465");
                if (!c->from)
                        r = err_at(L, n, "an smtp channel needs 'from'");
                else if (!email_valid(c->from))
                        r = err_at(L, ytree_get(L->t, n, "from"), "invalid email address '%s'",
                                   c->from);
                for (size_t i = 0; i < c->n_to; i++)
                        if (!email_valid(c->to[i]))
                                r = err_at(L, ytree_get(L->t, n, "to"),
                                           "invalid email address '%s'", c->to[i]);
                if (c->username && !c->password.file && !c->password.credential)
                        r = err_at(L, n, "an smtp channel with a username needs 'password'");
                break;
        case CHANNEL_WEBHOOK:
                if (!c->url)
                        r = err_at(L, n, "a webhook channel needs 'url'");
                break;
        default:
                /* Robots: the URL (with its key or token) may come from `key` instead. */
                if (!c->url && !c->key.file && !c->key.credential)
                        r = err_at(L, n, "a %s channel needs 'url' or 'key'",
                                   channel_type_to_string(c->type));
                break;
        }
        /* Robots and webhooks speak HTTP: an smtp:// URL there could never be delivered. */
        if (c->type != CHANNEL_SMTP && c->url && check_http_url(c->url))
                r = err_at(L, ytree_get(L->t, n, "url"), "url: %s", _(check_http_url(c->url)));
        return r;
}

int parse_channel(Loader *L, const YNode *n, size_t idx) {
        Channel *ch = &L->cfg->channels[idx];
        ch->timeout_sec = DEFAULT_CHANNEL_TIMEOUT;
        ch->give_up_hours = DEFAULT_CHANNEL_GIVE_UP_HOURS;
        int r = parse_map(L, n, channel_keys, ELEMENTSOF(channel_keys), ch, NULL);
        return r < 0 ? r : check_channel(L, n, ch);
}

/* ---- routes ------------------------------------------------------------------------------- */

static int parse_kinds(Loader *L, const YNode *n, void *obj) {
        Route *r = obj;
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        DutyKind *v = list_new(L, n, sizeof(DutyKind), &items, &cnt);
        if (!v)
                return -ENOMEM;
        r->kinds = v, r->n_kinds = 0;
        int q = 0;
        for (size_t i = 0; i < cnt; i++) {
                int k;
                if (parse_enum(L, items[i], duty_kind_names, _KIND_MAX, &k) < 0)
                        q = -EINVAL;
                else
                        v[r->n_kinds++] = (DutyKind)k;
        }
        return q;
}

static const KeyDef route_keys[] = {
        {.name = "duties",
         .type = F_REFLIST,
         .off = FIELD(Route, duties),
         .off_n = FIELD(Route, n_duties),
         .ref = ENT_DUTY},
        {.name = "posts",
         .type = F_REFLIST,
         .off = FIELD(Route, posts),
         .off_n = FIELD(Route, n_posts),
         .ref = ENT_POST},
        {.name = "kinds", .type = F_CUSTOM, .custom = parse_kinds},
        {.name = "channels",
         .type = F_REFLIST,
         .off = FIELD(Route, channels),
         .off_n = FIELD(Route, n_channels),
         .required = true,
         .ref = ENT_CHANNEL},
        {.name = "holders_email", .type = F_BOOL, .off = FIELD(Route, holders_email)},
        {.name = "mention", .type = F_BOOL, .off = FIELD(Route, mention)},
};

int parse_route(Loader *L, const YNode *n, size_t idx) {
        Route *rt = &L->cfg->routes[idx];
        rt->mention = true;
        int r = parse_map(L, n, route_keys, ELEMENTSOF(route_keys), rt, NULL);
        if (r == 0 && rt->n_channels == 0)
                r = err_at(L, ytree_get(L->t, n, "channels"), "a route needs at least one channel");
        return r;
}
