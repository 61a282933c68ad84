/* feeds.c — see feeds.h. */
#include "feeds.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int feed_push(Feed *f, uint32_t i) {
        if (f->n_occ == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 64;
                uint32_t *p = realloc(f->occ, cap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                f->occ = p, f->cap = cap;
        }
        f->occ[f->n_occ++] = i;
        return 0;
}

static int feed_init(Feed *f, FeedKind kind, size_t index, const char *prefix, const char *id,
                     const char *org, const char *who) {
        f->kind = kind;
        f->index = index;
        if (prefix)
                snprintf(f->name, sizeof(f->name), "%s-%s", prefix, id);
        else
                snprintf(f->name, sizeof(f->name), "org");
        f->title = who ? strfmt("%s安全生产履职日历·%s", org, who) : strfmt("%s安全生产履职日历", org);
        return f->title ? 0 : -ENOMEM;
}

int feedset_new(const Config *c, Day today, FeedStatusFn fn, void *userdata, FeedSet **ret) {
        FeedSet *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->config = c;
        s->today = today;
        s->from = today - (c->feeds.past_days >= 0 ? c->feeds.past_days : 31);
        s->to = today + (c->feeds.future_days > 0 ? c->feeds.future_days : 366);
        int r = schedule_plan(c, s->from, s->to, PLAN_FILTER_ALL, &s->occ);
        if (r < 0)
                goto fail;
        r = -ENOMEM;
        size_t n = s->occ.n;
        if (n > UINT32_MAX)
                goto fail;
        s->status = calloc(n ? n : 1, sizeof(*s->status));
        s->events = calloc(n ? n : 1, sizeof(*s->events));
        s->event_len = calloc(n ? n : 1, sizeof(*s->event_len));
        s->feeds = calloc(1 + c->n_posts + c->n_people, sizeof(*s->feeds));
        if (!s->status || !s->events || !s->event_len || !s->feeds)
                goto fail;
        for (size_t i = 0; fn && i < n; i++) {
                r = fn(userdata, c, &s->occ.items[i], today, &s->status[i]);
                if (r < 0)
                        goto fail;
        }

        /* org, post-*, person-* */
        Feed *org = &s->feeds[0];
        if ((r = feed_init(org, FEED_ORG, 0, NULL, NULL, c->org_name, NULL)) < 0)
                goto fail;
        Feed *posts = &s->feeds[1], *people = &s->feeds[1 + c->n_posts];
        s->n_feeds = 1;
        for (size_t p = 0; p < c->n_posts; p++, s->n_feeds++)
                if ((r = feed_init(&posts[p], FEED_POST, p, "post", c->posts[p].id, c->org_name,
                                   c->posts[p].name)) < 0)
                        goto fail;
        for (size_t p = 0; p < c->n_people; p++, s->n_feeds++)
                if ((r = feed_init(&people[p], FEED_PERSON, p, "person", c->people[p].id,
                                   c->org_name, c->people[p].name)) < 0)
                        goto fail;

        for (size_t i = 0; i < n; i++) {
                const Occurrence *o = &s->occ.items[i];
                if ((r = feed_push(org, (uint32_t)i)) < 0 ||
                    (r = feed_push(&posts[o->post], (uint32_t)i)) < 0)
                        goto fail;
                size_t h[64];
                size_t nh = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
                for (size_t k = 0; k < nh; k++) {
                        /* A person holding the post twice over (two tenures) gets it once. */
                        Feed *f = &people[h[k]];
                        if (f->n_occ > 0 && f->occ[f->n_occ - 1] == (uint32_t)i)
                                continue;
                        if ((r = feed_push(f, (uint32_t)i)) < 0)
                                goto fail;
                }
        }
        *ret = s;
        return 0;
fail:
        feedset_free(s);
        return r;
}

FeedSet *feedset_free(FeedSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; s->events && i < s->occ.n; i++)
                free(s->events[i]);
        for (size_t i = 0; i < s->n_feeds; i++) {
                free(s->feeds[i].title);
                free(s->feeds[i].occ);
        }
        free(s->feeds);
        free(s->events);
        free(s->event_len);
        free(s->status);
        occurrence_list_done(&s->occ);
        free(s);
        return NULL;
}

ssize_t feedset_find(const FeedSet *s, const char *name) {
        for (size_t i = 0; i < s->n_feeds; i++)
                if (streq(s->feeds[i].name, name))
                        return (ssize_t)i;
        return -ENOENT;
}

int feedset_render(FeedSet *s, size_t i, char **ret, size_t *ret_len) {
        const Feed *f = &s->feeds[i];
        char *head;
        size_t head_len;
        int r = ical_render_head(s->config, f->title, &head, &head_len);
        if (r < 0)
                return r;
        size_t total = head_len + strlen(ICAL_CALENDAR_END);
        for (size_t k = 0; k < f->n_occ; k++) {
                uint32_t e = f->occ[k];
                if (!s->events[e]) {
                        r = ical_render_event(s->config, &s->occ.items[e], &s->status[e],
                                              &s->events[e], &s->event_len[e]);
                        if (r < 0) {
                                free(head);
                                return r;
                        }
                }
                total += s->event_len[e];
        }
        char *out = malloc(total + 1), *p = out;
        if (!out) {
                free(head);
                return -ENOMEM;
        }
        memcpy(p, head, head_len), p += head_len;
        free(head);
        for (size_t k = 0; k < f->n_occ; k++) {
                uint32_t e = f->occ[k];
                memcpy(p, s->events[e], s->event_len[e]), p += s->event_len[e];
        }
        memcpy(p, ICAL_CALENDAR_END, strlen(ICAL_CALENDAR_END)), p += strlen(ICAL_CALENDAR_END);
        *p = 0;
        *ret = out;
        if (ret_len)
                *ret_len = total;
        return 0;
}

char *feeds_default_dir(const Config *c, const char *state_dir) {
        if (c->feeds.dir)
                return strdup(c->feeds.dir);
        return strfmt("%s/feeds", state_dir ? state_dir : "/var/lib/dutyd");
}

/* True when DIR/NAME holds exactly `data`. */
static bool file_same(int dir_fd, const char *name, const char *data, size_t len) {
        int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        struct stat st;
        bool same = false;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
                char buf[65536];
                size_t off = 0;
                same = true;
                while (off < len) {
                        ssize_t k = read(fd, buf, sizeof(buf));
                        if (k <= 0 || (size_t)k > len - off || memcmp(buf, data + off, (size_t)k)) {
                                same = false;
                                break;
                        }
                        off += (size_t)k;
                }
        }
        close(fd);
        return same;
}

int feeds_write_file(int dir_fd, const char *name, const char *data, size_t len,
                     bool *ret_written) {
        if (file_same(dir_fd, name, data, len)) {
                *ret_written = false;
                return 0;
        }
        char tmp[FEED_NAME_MAX + 32];
        int fd = -1, r = 0;
        for (int attempt = 0; attempt < 16; attempt++) {
                snprintf(tmp, sizeof(tmp), ".%s.%ld.%d.tmp", name, (long)getpid(), attempt);
                fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (fd >= 0 || errno != EEXIST)
                        break;
        }
        if (fd < 0)
                return -errno;
        size_t off = 0;
        while (off < len) {
                ssize_t k = write(fd, data + off, len - off);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                off += (size_t)k;
        }
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dir_fd, tmp, 0);
                return r;
        }
        *ret_written = true;
        return 0;
}

int feeds_write(FeedSet *s, const char *dir, FeedsWriteStats *ret) {
        FeedsWriteStats st = {0};
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        int r = 0;
        for (size_t i = 0; i < s->n_feeds; i++) {
                char *body;
                size_t len;
                r = feedset_render(s, i, &body, &len);
                if (r < 0)
                        break;
                char name[FEED_NAME_MAX + 8];
                snprintf(name, sizeof(name), "%s.ics", s->feeds[i].name);
                bool written = false;
                r = feeds_write_file(dir_fd, name, body, len, &written);
                free(body);
                if (r < 0)
                        break;
                st.feeds++;
                st.bytes += len;
                if (written)
                        st.written++;
                else
                        st.unchanged++;
        }
        if (r == 0 && st.written > 0 && fsync(dir_fd) < 0)
                r = -errno;
        close(dir_fd);
        if (ret)
                *ret = st;
        return r;
}

/* ---- the cache ---- */

struct FeedBody {
        unsigned ref;
        size_t size;
        char *data;
};

FeedBody *feed_body_ref(FeedBody *b) {
        if (b)
                b->ref++;
        return b;
}

void feed_body_unref(void *p) {
        FeedBody *b = p;
        if (!b || --b->ref > 0)
                return;
        free(b->data);
        free(b);
}

const char *feed_body_data(const FeedBody *b) { return b->data; }
size_t feed_body_size(const FeedBody *b) { return b->size; }

int feed_cache_new(FeedCache **ret) {
        FeedCache *fc = calloc(1, sizeof(*fc));
        if (!fc)
                return -ENOMEM;
        *ret = fc;
        return 0;
}

static void entries_free(FeedEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                feed_body_unref(e[i].body);
                explicit_bzero(e[i].token, sizeof(e[i].token));
        }
        free(e);
}

FeedCache *feed_cache_free(FeedCache *fc) {
        if (!fc)
                return NULL;
        entries_free(fc->entries, fc->n);
        free(fc);
        return NULL;
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const FeedEntry *)a)->name, ((const FeedEntry *)b)->name);
}

const FeedEntry *feed_cache_find(const FeedCache *fc, const char *name) {
        if (strlen(name) >= FEED_NAME_MAX || fc->n == 0)
                return NULL;
        FeedEntry key;
        snprintf(key.name, sizeof(key.name), "%s", name);
        return bsearch(&key, fc->entries, fc->n, sizeof(FeedEntry), entry_cmp);
}

static void etag_of(const char *data, size_t len, char out[static 67]) {
        unsigned char h[32];
        unsigned int hl = sizeof(h);
        static const char hex[] = "0123456789abcdef";
        if (EVP_Digest(data, len, h, &hl, EVP_sha256(), NULL) != 1)
                memset(h, 0, sizeof(h));
        out[0] = '"';
        for (int i = 0; i < 32; i++) {
                out[1 + 2 * i] = hex[h[i] >> 4];
                out[2 + 2 * i] = hex[h[i] & 15];
        }
        out[65] = '"';
        out[66] = 0;
}

int feed_cache_update(FeedCache *fc, FeedSet *s, time_t now) {
        FeedEntry *ne = calloc(s->n_feeds ? s->n_feeds : 1, sizeof(*ne));
        if (!ne)
                return -ENOMEM;
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; i < s->n_feeds; i++, n++) {
                FeedEntry *e = &ne[i];
                snprintf(e->name, sizeof(e->name), "%s", s->feeds[i].name);
                char *body;
                size_t len;
                r = feedset_render(s, i, &body, &len);
                if (r < 0)
                        break;
                etag_of(body, len, e->etag);
                const FeedEntry *old = feed_cache_find(fc, e->name);
                if (old) {
                        memcpy(e->token, old->token, sizeof(e->token));
                        if (streq(old->etag, e->etag)) {
                                free(body);
                                e->body = feed_body_ref(old->body);
                                e->last_modified = old->last_modified;
                                continue;
                        }
                }
                e->body = calloc(1, sizeof(FeedBody));
                if (!e->body) {
                        free(body);
                        r = -ENOMEM;
                        break;
                }
                *e->body = (FeedBody){.ref = 1, .size = len, .data = body};
                /* Strictly later than what clients were told before, so If-Modified-Since never
                 * hides a change made within the same second. */
                e->last_modified = old && old->last_modified >= now ? old->last_modified + 1 : now;
        }
        if (r < 0) {
                entries_free(ne, n);
                return r;
        }
        qsort(ne, n, sizeof(*ne), entry_cmp);
        entries_free(fc->entries, fc->n);
        fc->entries = ne;
        fc->n = n;
        return 0;
}

int feed_cache_load_tokens(FeedCache *fc, Store *store) {
        for (size_t i = 0; i < fc->n; i++) {
                int r = feedtoken_get(store, fc->entries[i].name, fc->entries[i].token);
                if (r < 0)
                        return r;
        }
        return 0;
}
