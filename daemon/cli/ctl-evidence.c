/* ctl-evidence.c — see ctl-evidence.h. */
#include "ctl-evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "completion.h"
#include "evidence.h"
#include "i18n.h"
#include "report.h"
#include "util.h"

/* Copies `from` (an open evidence file) to `path`, created new; an existing file with the
 * same bytes counts as copied. */
static int copy_new(int from, const char *path) {
        int to = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (to < 0)
                return errno == EEXIST ? -EEXIST : -errno;
        char buf[65536];
        ssize_t n;
        int r = 0;
        while (r == 0 && (n = read(from, buf, sizeof(buf))) != 0) {
                if (n < 0)
                        r = errno == EINTR ? 0 : -errno;
                else if (write(to, buf, (size_t)n) != n)
                        r = -EIO;
        }
        if (close(to) < 0 && r == 0)
                r = -errno;
        if (r < 0)
                unlink(path);
        return r;
}

/* Whether `path` holds the bytes of the open file `fd` (read again from its start). */
static bool same_bytes(int fd, const char *path) {
        int other = open(path, O_RDONLY | O_CLOEXEC);
        if (other < 0 || lseek(fd, 0, SEEK_SET) < 0) {
                if (other >= 0)
                        close(other);
                return false;
        }
        char a[65536], b[65536];
        bool same = true;
        for (;;) {
                ssize_t n = read(fd, a, sizeof(a)), m = n > 0 ? read(other, b, (size_t)n) : 0;
                if (n < 0 || m != (n > 0 ? n : 0) || (n > 0 && memcmp(a, b, (size_t)n))) {
                        same = false;
                        break;
                }
                if (n == 0) {
                        same = read(other, b, 1) == 0;
                        break;
                }
        }
        close(other);
        return same;
}

static int copy_one(Store *s, const Completion *x, const EvidenceFile *f, const char *dir) {
        char date[11];
        day_format(x->date, date);
        _cleanup_free_ char *path = strfmt("%s/%s-%lld-%s", dir, date, (long long)x->id, f->name);
        if (!path)
                return -ENOMEM;
        int fd = -1, r = evidence_open(s, f->sha256, &fd);
        if (r == 0 && (r = copy_new(fd, path)) == -EEXIST)
                r = same_bytes(fd, path) ? 0 : -EEXIST;
        if (fd >= 0)
                close(fd);
        if (r < 0)
                fprintf(stderr, _("report: cannot copy the evidence file %s: %s\n"), path,
                        r == -EEXIST ? _("another file of that name is there") : strerror(-r));
        return r;
}

int ctl_evidence_copy(const Config *c, Store *s, Day from, Day to, ssize_t person,
                      const char *dir) {
        if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
                fprintf(stderr, _("report: cannot create %s: %s\n"), dir, strerror(errno));
                return -errno;
        }
        Completion *v = NULL;
        EvidenceFile *files = NULL;
        size_t n = 0, nf = 0, copied = 0;
        int r = completion_list(s, false, &v, &n);
        if (r == 0)
                r = evidence_list(s, 0, &files, &nf);
        if (r < 0)
                fprintf(stderr, _("report: failed: %s\n"), store_strerror(s, r));
        for (size_t i = 0; r == 0 && i < n; i++) {
                const Completion *x = &v[i];
                if (x->date < from || x->date > to ||
                    (person >= 0 && !report_completion_of(c, x, (size_t)person)))
                        continue;
                for (size_t j = 0; r == 0 && j < nf; j++)
                        if (files[j].completion == x->id &&
                            (r = copy_one(s, x, &files[j], dir)) == 0)
                                copied++;
        }
        if (r == 0)
                fprintf(stderr,
                        P_("%zu evidence file copied to %s\n", "%zu evidence files copied to %s\n",
                           copied),
                        copied, dir);
        evidence_list_free(files, nf);
        completion_list_free(v, n);
        return r;
}
