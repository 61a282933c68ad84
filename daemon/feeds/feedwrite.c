/* feedwrite.c — see feedwrite.h. */
#include "feedwrite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "util.h"

char *feeds_default_dir(const Config *c, const char *state_dir) {
        if (c->feeds.dir)
                return strdup(c->feeds.dir);
        return strfmt("%s/feeds", state_dir ? state_dir : "/var/lib/dutyd");
}

/* True when DIR/NAME holds exactly these bytes. */
static bool file_same(int dir_fd, const char *name, const char *data, size_t len) {
        int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        struct stat st;
        bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
        char buf[1 << 16];
        for (size_t off = 0; same && off < len;) {
                ssize_t got = read(fd, buf, sizeof(buf));
                if (got < 0 && errno == EINTR)
                        continue;
                same = got > 0 && (size_t)got <= len - off &&
                       memcmp(buf, data + off, (size_t)got) == 0;
                off += got > 0 ? (size_t)got : 0;
        }
        close(fd);
        return same;
}

/* A temporary file in the folder with these bytes (not synced yet). */
static int write_temp(int dir_fd, const char *name, const char *data, size_t len, char *tmp,
                      size_t tmp_size) {
        int fd = -1;
        for (int attempt = 0; attempt < 16; attempt++) {
                snprintf(tmp, tmp_size, ".%s.%ld.%d.tmp", name, (long)getpid(), attempt);
                fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                            0644);
                if (fd >= 0 || errno != EEXIST)
                        break;
        }
        if (fd < 0)
                return -errno;
        int r = 0;
        for (size_t off = 0; r == 0 && off < len;) {
                ssize_t k = write(fd, data + off, len - off);
                if (k < 0 && errno != EINTR)
                        r = -errno;
                off += k > 0 ? (size_t)k : 0;
        }
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dir_fd, tmp, 0);
        return r;
}

typedef struct Pending {
        char tmp[FEED_NAME_MAX + 48];
        char name[FEED_NAME_MAX + 8];
} Pending;

typedef struct Writer {
        int dir_fd;
        Pending *p;
        size_t n, cap;
} Writer;

static int add_pending(Writer *w, const char *tmp, const char *name) {
        if (ARRAY_GROW(w->p, w->cap, w->n + 1) < 0)
                return -ENOMEM;
        snprintf(w->p[w->n].tmp, sizeof(w->p[w->n].tmp), "%s", tmp);
        snprintf(w->p[w->n].name, sizeof(w->p[w->n].name), "%s", name);
        w->n++;
        return 0;
}

/* One sync of everything written, then the renames. */
static int commit_files(Writer *w) {
        if (w->n == 0)
                return 0;
        if (syncfs(w->dir_fd) < 0)
                for (size_t i = 0; i < w->n; i++) {
                        int fd = openat(w->dir_fd, w->p[i].tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        int r = fd < 0 || fsync(fd) < 0 ? -errno : 0;
                        if (fd >= 0)
                                close(fd);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < w->n; i++) {
                if (renameat(w->dir_fd, w->p[i].tmp, w->dir_fd, w->p[i].name) < 0)
                        return -errno;
                w->p[i].tmp[0] = 0;
        }
        return 0;
}

/* A name a feed's file has, e.g. post-x.ics (org.ics: the whole-organisation feed of old). */
static bool feed_file_name(const char *n) {
        size_t l = strlen(n);
        if (l <= 4 || !streq(n + l - 4, ".ics"))
                return false;
        return streq(n, "org.ics") || streq(n, "overdue.ics") || streq(n, "summary.ics") ||
               (strncmp(n, "post-", 5) == 0 && l > 9) || (strncmp(n, "person-", 7) == 0 && l > 11);
}

/* Regular files named like a feed that are no feed of the config. */
static int remove_stale(int dir_fd, const FeedInputs *in, size_t *ret_removed) {
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        int r = 0;
        size_t removed = 0;
        struct dirent *de;
        for (errno = 0; (de = readdir(d)); errno = 0) {
                if (!feed_file_name(de->d_name))
                        continue;
                char name[FEED_NAME_MAX];
                size_t l = strlen(de->d_name) - 4;
                FeedRef f;
                if (l < sizeof(name)) {
                        memcpy(name, de->d_name, l);
                        name[l] = 0;
                        if (feeds_find(in->config, in->index, name, &f) == 0)
                                continue;
                }
                struct stat st;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                if (unlinkat(dir_fd, de->d_name, 0) == 0)
                        removed++;
                else if (errno != ENOENT && r == 0)
                        r = -errno;
        }
        if (errno != 0 && r == 0)
                r = -errno;
        closedir(d);
        *ret_removed = removed;
        return r;
}

/* Renders every feed; each one not already on disk as it is goes to a temporary. */
static int write_all(const FeedInputs *in, FeedVersionReader *vr, Day today, Writer *w,
                     FeedsWriteStats *st) {
        Buf body = {0};
        IcalRenderer *rd = NULL;
        int r = ical_renderer_new(in->config, &rd);
        for (size_t i = 0; r == 0 && i < feeds_count(in->config); i++) {
                char name[FEED_NAME_MAX], fname[FEED_NAME_MAX + 8], tmp[FEED_NAME_MAX + 48];
                FeedRef f = feeds_nth(in->config, i);
                feeds_name(in->config, f, name);
                snprintf(fname, sizeof(fname), "%s.ics", name);
                body.len = 0;
                if ((r = feeds_render(in, vr, rd, f, today, NULL, &body, NULL)) < 0)
                        break;
                st->feeds++;
                st->bytes += body.len;
                if (file_same(w->dir_fd, fname, body.data, body.len)) {
                        st->unchanged++;
                        continue;
                }
                r = write_temp(w->dir_fd, fname, body.data, body.len, tmp, sizeof(tmp));
                if (r == 0 && (r = add_pending(w, tmp, fname)) < 0)
                        (void)unlinkat(w->dir_fd, tmp, 0);
                st->written += r == 0;
        }
        ical_renderer_free(rd);
        buf_done(&body);
        return r;
}

int feeds_write(const FeedInputs *in, FeedVersionReader *vr, Day today, const char *dir,
                FeedsWriteStats *ret) {
        FeedsWriteStats st = {0};
        Writer w = {.dir_fd = -1};
        int r = 0;
        if (mkdir(dir, 0775) < 0 && errno != EEXIST)
                r = -errno;
        else if ((w.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                r = -errno;
        if (r == 0)
                r = write_all(in, vr, today, &w, &st);
        if (r == 0)
                r = commit_files(&w);
        if (r == 0)
                r = remove_stale(w.dir_fd, in, &st.removed);
        if (r == 0 && (w.n > 0 || st.removed > 0) && fsync(w.dir_fd) < 0)
                r = -errno;
        for (size_t i = 0; i < w.n; i++)
                if (w.p[i].tmp[0])
                        (void)unlinkat(w.dir_fd, w.p[i].tmp, 0);
        free(w.p);
        if (w.dir_fd >= 0)
                close(w.dir_fd);
        if (ret)
                *ret = st;
        return r;
}
