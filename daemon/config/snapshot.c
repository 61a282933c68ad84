/* snapshot.c — see snapshot.h.
 *
 * The file: "dutydsn1", the key's length (8 bytes), the key (text), zeros up to a multiple of 8,
 * then the flat block (flat.h). The key's first lines name the program, the years the load
 * depends on, the language and the config; then one line per input file or folder with what
 * stat() says of it, so that the inputs are found again without reading the config (the holiday
 * data's place is only known once it is read). A drop-in added or removed changes conf.d's times; a holiday file put
 * beside the main file changes that folder's. */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flat.h"
#include "holidays.h"
#include "pool.h"
#include "util.h"

#define SNAPSHOT_MAGIC "dutydsn1"
#define SNAPSHOT_KEY_MAX (1024 * 1024)

/* ---- where ---------------------------------------------------------------------------------- */

/* The cache folder (malloc'd), NULL when off; `make` creates it (and a missing ~/.cache). */
static char *cache_dir(bool make) {
        const char *d = getenv("DUTYD_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"),
                   *home = getenv("HOME");
        _cleanup_free_ char *base = NULL;
        if (d && *d) {
                if (streq(d, "off"))
                        return NULL;
                if (make)
                        (void)mkdir(d, 0700);
                return strdup(d);
        }
        if (xdg && *xdg == '/')
                base = strdup(xdg);
        else if (home && *home == '/')
                base = strfmt("%s/.cache", home);
        else
                return NULL;
        char *dir = base ? strfmt("%s/dutyd", base) : NULL;
        if (dir && make) {
                (void)mkdir(base, 0700);
                (void)mkdir(dir, 0700);
        }
        return dir;
}

/* Owned by us and written by no one else: what we read from there is what we wrote. */
static bool ours(const struct stat *st) {
        return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The config's path as a key: absolute (the same name from another folder is another file). */
static char *absolute(const char *path) {
        if (*path == '/')
                return strdup(path);
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        return cwd ? strfmt("%s/%s", cwd, path) : NULL;
}

/* DIR/config-HASH-PROGRAM.bin: one per config and program (dutyctl and dutyd are built apart). */
static char *snapshot_file(const char *dir, const char *abs) {
        return strfmt("%s/config-%016llx-%s.bin", dir,
                      (unsigned long long)fnv1a64(FNV1A64_BASIS, abs, strlen(abs)),
                      program_invocation_short_name);
}

/* ---- the key -------------------------------------------------------------------------------- */

/* The latest change time of an input seen by stat_line() (racy inputs, snapshot_save()). */
static struct timespec latest_change;

static void stat_line(Buf *b, const char *path) {
        struct stat st;
        if (stat(path, &st) < 0) {
                buf_printf(b, "F %s\t- %d\n", path, errno);
                return;
        }
        if (st.st_ctim.tv_sec > latest_change.tv_sec ||
            (st.st_ctim.tv_sec == latest_change.tv_sec &&
             st.st_ctim.tv_nsec > latest_change.tv_nsec))
                latest_change = st.st_ctim;
        buf_printf(b, "F %s\t%llu:%llu:%llu:%lld.%09ld:%lld.%09ld:%o\n", path,
                   (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                   (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                   (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, (unsigned)st.st_mode);
}

static const char *env_or(const char *name) {
        const char *v = getenv(name);
        return v ? v : "";
}

/* What decides the load besides the files: the program, the day, the messages' language. */
static void key_head(Buf *b, const char *abs, Day today) {
        struct stat st;
        if (stat("/proc/self/exe", &st) < 0)
                memset(&st, 0, sizeof st);
        /* A load depends on the day through two years only: today's (phrases without a year,
         * provisional holidays) and that of the day a year on (which missing years are warned
         * about; holidays.c), so a compiled config serves until one of them turns. */
        buf_printf(b, "dutyd compiled config 1\nexe %llu:%llu:%llu:%lld.%09ld\nyears %d %d\n",
                   (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                   (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                   day_to_ymd(today).y, day_to_ymd(today + 365).y);
        const char *lc = setlocale(LC_MESSAGES, NULL);
        buf_printf(b, "lang %s|%s|%s|%s|%s|%s\nconfig %s\n", lc ? lc : "", env_or("LANGUAGE"),
                   env_or("LC_ALL"), env_or("LC_MESSAGES"), env_or("LANG"),
                   env_or("DUTYD_LOCALEDIR"), abs);
}

/* The inputs of a load of `c`: the files config_load() read and the folders they are found in. */
static int key_inputs(Buf *b, const Config *c) {
        _cleanup_free_ char *confd = strfmt("%s/conf.d", c->dir);
        _cleanup_free_ char *pattern = strfmt("%s/conf.d/*.yaml", c->dir);
        if (!confd || !pattern)
                return -ENOMEM;
        stat_line(b, c->path);
        stat_line(b, c->dir);
        stat_line(b, confd);
        glob_t g = {0};
        if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0)
                for (size_t i = 0; i < g.gl_pathc; i++)
                        stat_line(b, g.gl_pathv[i]);
        globfree(&g);
        _cleanup_free_ char *holidays = holidays_file(c);
        if (!holidays)
                return -ENOMEM;
        stat_line(b, holidays);
        return 0;
}

/* Whether every input line of a stored key still says what stat() says now. */
static bool inputs_unchanged(const char *lines) {
        Buf now = {0};
        bool same = true;
        while (same && *lines) {
                const char *eol = strchr(lines, '\n'), *tab = strchr(lines, '\t');
                if (!eol || !tab || tab > eol || !startswith(lines, "F "))
                        return buf_done(&now), false;
                _cleanup_free_ char *path = strndup(lines + 2, (size_t)(tab - lines - 2));
                if (!path)
                        return buf_done(&now), false;
                now.len = 0;
                stat_line(&now, path);
                same = !now.oom && now.len == (size_t)(eol - lines + 1) &&
                       memcmp(now.data, lines, now.len) == 0;
                lines = eol + 1;
        }
        buf_done(&now);
        return same;
}

/* ---- reading ---------------------------------------------------------------------------------- */

static int read_all(int fd, void *buf, size_t n, off_t at) {
        for (size_t done = 0; done < n;) {
                ssize_t k = pread(fd, (char *)buf + done, n - done, at + (off_t)done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EBADMSG;
                done += (size_t)k;
        }
        return 0;
}

static int open_ours(const char *dir, const char *file, struct stat *st) {
        struct stat ds;
        if (stat(dir, &ds) < 0 || !S_ISDIR(ds.st_mode) || !ours(&ds))
                return -EPERM;
        int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || !ours(st)) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

/* The stored key matches: the same head, and inputs that have not changed. */
static int key_check(int fd, const char *head, size_t head_len, uint64_t key_len) {
        if (key_len < head_len || key_len > SNAPSHOT_KEY_MAX)
                return -EBADMSG;
        _cleanup_free_ char *key = malloc(key_len + 1);
        if (!key)
                return -ENOMEM;
        int r = read_all(fd, key, key_len, 16);
        if (r < 0)
                return r;
        key[key_len] = 0;
        if (memcmp(key, head, head_len) != 0 || strlen(key) != key_len)
                return -ESTALE;
        return inputs_unchanged(key + head_len) ? 0 : -ESTALE;
}

int snapshot_load(const char *path, Day today, Config **ret, Diags *warnings) {
        _cleanup_free_ char *dir = cache_dir(false), *abs = absolute(path);
        _cleanup_free_ char *file = dir && abs ? snapshot_file(dir, abs) : NULL;
        if (!file)
                return -ENOENT;
        struct stat st;
        int fd = open_ours(dir, file, &st);
        if (fd < 0)
                return fd;
        Buf head = {0};
        key_head(&head, abs, today);
        char magic[16];
        uint64_t key_len = 0;
        int r = head.oom ? -ENOMEM : read_all(fd, magic, sizeof magic, 0);
        if (r == 0) {
                memcpy(&key_len, magic + 8, sizeof key_len);
                r = memcmp(magic, SNAPSHOT_MAGIC, 8) != 0
                            ? -EBADMSG
                            : key_check(fd, head.data, head.len, key_len);
        }
        buf_done(&head);
        size_t at = (16 + (size_t)key_len + 7) & ~(size_t)7;
        if (r == 0 && (st.st_size < 0 || (uint64_t)st.st_size <= at))
                r = -EBADMSG;
        size_t n = r == 0 ? (size_t)st.st_size - at : 0;
        void *block = r == 0 ? pool_malloc_large(n) : NULL;
        if (r == 0 && !block)
                r = -ENOMEM;
        if (r == 0 && (r = read_all(fd, block, n, (off_t)at)) < 0)
                free(block);
        close(fd);
        return r < 0 ? r : flat_decode(block, n, ret, warnings);
}

/* ---- writing ---------------------------------------------------------------------------------- */

/* `n` bytes at `at` of the file. */
static int pwrite_all(int fd, const void *p, size_t n, off_t at) {
        for (size_t done = 0; done < n;) {
                ssize_t k = pwrite(fd, (const char *)p + done, n - done, at + (off_t)done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                done += (size_t)k;
        }
        return 0;
}

typedef struct FileSink {
        int fd;
        off_t base; /* where the block starts in the file */
} FileSink;

static int file_write(void *userdata, uint64_t at, const void *p, size_t n) {
        const FileSink *fs = userdata;
        return pwrite_all(fs->fd, p, n, fs->base + (off_t)at);
}

/* The head (magic, the key's length, the key, zeros to a multiple of 8), then the block, written
 * as it is encoded (never whole in memory). */
static int write_snapshot(int fd, const Buf *key, const Config *c, const Diags *diags) {
        char head[16] = SNAPSHOT_MAGIC;
        uint64_t key_len = key->len, size = 0;
        memcpy(head + 8, &key_len, sizeof key_len);
        /* The zeros after the key are a hole: the block's first write is past them. */
        FileSink fs = {.fd = fd, .base = (off_t)((sizeof head + key->len + 7) & ~(size_t)7)};
        int r = pwrite_all(fd, head, sizeof head, 0);
        if (r == 0)
                r = pwrite_all(fd, key->data, key->len, sizeof head);
        if (r == 0)
                r = flat_write(c, diags, &(FlatSink){.write = file_write, .userdata = &fs}, &size);
        return r;
}

/* An input changed in the file system clock's current tick could change again within it and
 * keep the same times and size (git's "racy clean" files): such a load is not kept. The tick is
 * read off the file just made (`now`): the kernel's clock, the one that stamps the inputs, which
 * neither DUTYD_CLOCK nor libfaketime moves. */
static bool inputs_racy(int fd) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return true;
        return latest_change.tv_sec > st.st_ctim.tv_sec ||
               (latest_change.tv_sec == st.st_ctim.tv_sec &&
                latest_change.tv_nsec >= st.st_ctim.tv_nsec);
}

int snapshot_save(const char *path, const Config *c, Day today, const Diags *diags) {
        _cleanup_free_ char *dir = cache_dir(true), *abs = absolute(path);
        _cleanup_free_ char *file = dir && abs ? snapshot_file(dir, abs) : NULL;
        _cleanup_free_ char *tmp = file ? strfmt("%s.XXXXXX", file) : NULL;
        struct stat ds;
        if (!tmp)
                return dir ? -ENOMEM : -ENOENT;
        if (stat(dir, &ds) < 0 || !S_ISDIR(ds.st_mode) || !ours(&ds))
                return -EPERM;
        Buf key = {0};
        key_head(&key, abs, today);
        latest_change = (struct timespec){0};
        int r = key_inputs(&key, c);
        int fd = r == 0 && !key.oom ? mkostemp(tmp, O_CLOEXEC) : -1;
        if (fd >= 0) {
                r = inputs_racy(fd) ? -EAGAIN : write_snapshot(fd, &key, c, diags);
                if (close(fd) < 0 && r == 0)
                        r = -errno;
                if (r == 0 && rename(tmp, file) < 0)
                        r = -errno;
                if (r < 0)
                        (void)unlink(tmp);
        } else if (r == 0)
                r = key.oom ? -ENOMEM : -errno;
        buf_done(&key);
        return r;
}
