/* evidence.c — see evidence.h. */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "store-sql.h"
#include "sign.h"
#include "util.h"

const char *evidence_type_allowed(const char *mime) {
        static const char *const ok[] = {"application/pdf", "image/jpeg", "image/png", "image/webp",
                                         "image/heic"};
        for (size_t i = 0; mime && i < ELEMENTSOF(ok); i++)
                if (streq(mime, ok[i]))
                        return ok[i];
        return NULL;
}

bool evidence_hash_valid(const char *s) {
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == EVIDENCE_HASH_LEN;
}

/* <state folder>/evidence, or that folder's file `name` (NULL: the folder). */
static char *evidence_path(Store *s, const char *name) {
        const char *db = store_path(s), *slash = strrchr(db, '/');
        int dir = slash ? (int)(slash - db) : 1;
        const char *base = slash ? db : ".";
        return name ? strfmt("%.*s/evidence/%s", dir, base, name)
                    : strfmt("%.*s/evidence", dir, base);
}

static int write_all(int fd, const unsigned char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k, n -= (size_t)k;
        }
        return 0;
}

static int fsync_dir(const char *dir) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = fsync(fd) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* Writes the file through a temporary of its own (O_TMPFILE is not on every file system). */
static int write_durably(const char *dir, const char *path, const void *data, size_t n) {
        _cleanup_free_ char *tmp = strfmt("%s/.tmp-XXXXXX", dir);
        if (!tmp)
                return -ENOMEM;
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        mode_t mask = umask(0);
        umask(mask);
        int r = fchmod(fd, 0660 & ~mask) < 0 ? -errno : 0;
        if (r == 0)
                r = write_all(fd, data, n);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r < 0 ? r : fsync_dir(dir);
}

int evidence_save(Store *s, const void *data, size_t n, char ret[static EVIDENCE_HASH_LEN + 1]) {
        int r = sign_sha256_hex(data, n, ret);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = evidence_path(s, NULL), *path = evidence_path(s, ret);
        if (!dir || !path)
                return -ENOMEM;
        if (mkdir(dir, 0770) < 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == n)
                return 0; /* the same content, stored before */
        return write_durably(dir, path, data, n);
}

int evidence_attach(Store *s, int64_t completion, const EvidenceFile *f) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT OR IGNORE INTO evidence_files (completion, sha256, name, mime,"
                          " size) VALUES (?,?,?,?,?)",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, completion);
        sqlite3_bind_text(st, 2, f->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, f->mime, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, f->size);
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

void evidence_file_done(EvidenceFile *f) {
        free(f->name), free(f->mime);
        f->name = f->mime = NULL;
}

void evidence_list_free(EvidenceFile *v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                evidence_file_done(&v[i]);
        free(v);
}

static int read_row(sqlite3_stmt *st, EvidenceFile *f) {
        *f = (EvidenceFile){.completion = sqlite3_column_int64(st, 0),
                            .size = sqlite3_column_int64(st, 4)};
        const unsigned char *h = sqlite3_column_text(st, 1);
        snprintf(f->sha256, sizeof(f->sha256), "%s", h ? (const char *)h : "");
        f->name = store_column_strdup(st, 2), f->mime = store_column_strdup(st, 3);
        return f->name && f->mime ? 0 : -ENOMEM;
}

int evidence_list(Store *s, int64_t completion, EvidenceFile **ret, size_t *ret_n) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "SELECT completion, sha256, name, mime, size FROM evidence_files"
                          " WHERE ?1 <= 0 OR completion = ?1 ORDER BY completion, name",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, completion);
        EvidenceFile *v = NULL;
        size_t n = 0, cap = 0;
        int r = 0, step = SQLITE_DONE;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
                if ((r = ARRAY_GROW(v, cap, n + 1)) == 0)
                        r = read_row(st, &v[n++]);
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                evidence_list_free(v, n);
                return r;
        }
        *ret = v, *ret_n = n;
        return 0;
}

int evidence_find(Store *s, const char *sha256, EvidenceFile *ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "SELECT completion, sha256, name, mime, size FROM evidence_files"
                          " WHERE sha256 = ? ORDER BY completion LIMIT 1",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW)
                return step == SQLITE_DONE ? -ENOENT : -EIO;
        int r = read_row(st, ret);
        if (r < 0)
                evidence_file_done(ret);
        return r;
}

int evidence_open(Store *s, const char *sha256, int *ret_fd) {
        if (!evidence_hash_valid(sha256))
                return -ENOENT;
        _cleanup_free_ char *path = evidence_path(s, sha256);
        if (!path)
                return -ENOMEM;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

/* One UTF-8 character of a name: kept, or replaced by '_' (controls, path and shell marks). */
static void clean_char(Buf *b, const unsigned char *p, size_t len, uint32_t cp) {
        bool mark = cp < 0x80 && cp && strchr("\\/:*?\"<>|", (int)cp);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || mark)
                buf_puts(b, "_");
        else
                buf_put(b, (const char *)p, len);
}

char *evidence_clean_name(const char *name) {
        const char *base = name ? name : "";
        for (const char *p = base; *p; p++)
                if (*p == '/' || *p == '\\')
                        base = p + 1; /* browsers of old sent the whole path */
        Buf b = {0};
        const unsigned char *p = (const unsigned char *)base;
        size_t left = strlen(base);
        while (left > 0) {
                uint32_t cp;
                size_t len = utf8_decode(p, left, &cp);
                if (len == 0)
                        break; /* not UTF-8: the name ends here */
                if (b.len + len > EVIDENCE_NAME_MAX)
                        break;
                clean_char(&b, p, len, cp);
                p += len, left -= len;
        }
        if (b.len == 0 || streq(b.data, ".") || streq(b.data, ".."))
                buf_done(&b), buf_puts(&b, "证明材料");
        return buf_steal(&b);
}
