/* export.c — see export.h. */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"

extern char **environ;

struct Exports {
        sd_event *event;
        char *dutyctl;
        Export *running; /* children not yet ended */
};

struct Export {
        Exports *x;
        HttpWait *wait; /* NULL once the request has ended */
        pid_t pid;
        int pidfd;
        sd_event_source *exited, *timeout;
        char *path;
        int result; /* 0 done, -EINPROGRESS running, else why it failed */
        Export *prev, *next;
};

int exports_new(sd_event *e, Exports **ret) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                return -errno;
        self[n] = 0;
        char *slash = strrchr(self, '/');
        Exports *x = calloc(1, sizeof(*x));
        if (!x || !slash || !(x->dutyctl = strfmt("%.*s/dutyctl", (int)(slash - self), self))) {
                free(x);
                return -ENOMEM;
        }
        x->event = sd_event_ref(e);
        *ret = x;
        return 0;
}

static void running_unlink(Exports *x, Export *ex) {
        if (ex->prev)
                ex->prev->next = ex->next;
        else if (x->running == ex)
                x->running = ex->next;
        if (ex->next)
                ex->next->prev = ex->prev;
        ex->prev = ex->next = NULL;
}

static void export_free(Export *ex) {
        sd_event_source_disable_unref(ex->exited);
        sd_event_source_disable_unref(ex->timeout);
        if (ex->pidfd >= 0)
                close(ex->pidfd);
        if (ex->path)
                unlink(ex->path);
        free(ex->path);
        free(ex);
}

/* The child has ended: its status read, the request (if still there) goes on. */
static void ended(Export *ex, int result) {
        siginfo_t si = {0};
        if (waitid(P_PIDFD, (id_t)ex->pidfd, &si, WEXITED) < 0 && result == 0)
                result = -errno;
        else if (result == 0 && (si.si_code != CLD_EXITED || si.si_status != 0))
                result = -EIO;
        ex->result = result;
        ex->exited = sd_event_source_disable_unref(ex->exited);
        ex->timeout = sd_event_source_disable_unref(ex->timeout);
        running_unlink(ex->x, ex);
        if (ex->wait)
                httpd_resume(ex->wait); /* the request's end frees ex */
        else
                export_free(ex);
}

static int on_exited(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)fd, (void)revents;
        ended(userdata, 0);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Export *ex = userdata;
        (void)s, (void)usec;
        log_error(_("console: the export took longer than %d s and was stopped"),
                  EXPORT_TIMEOUT_SEC);
        (void)pidfd_send_signal(ex->pidfd, SIGKILL, NULL, 0);
        ended(ex, -ETIMEDOUT);
        return 0;
}

/* The request has ended (httpd's release): a child still running finishes on its own. */
static void on_request_end(void *data) {
        Export *ex = data;
        ex->wait = NULL;
        if (ex->result != -EINPROGRESS)
                export_free(ex);
}

/* A new empty file for the child to write, in $TMPDIR or /tmp. */
static int temp_path(char **ret) {
        const char *dir = getenv("TMPDIR");
        char *path = strfmt("%s/dutyd-export-XXXXXX", dir && *dir ? dir : "/tmp");
        if (!path)
                return -ENOMEM;
        int fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0) {
                int r = -errno;
                free(path);
                return r;
        }
        close(fd);
        *ret = path;
        return 0;
}

/* dutyctl with an empty signal mask (the daemon blocks those sd-event handles), default
 * SIGPIPE, stdin and stdout /dev/null. */
static int spawn(const Exports *x, char *const *argv, pid_t *ret) {
        posix_spawnattr_t attr;
        posix_spawn_file_actions_t fa;
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        int r = posix_spawnattr_init(&attr);
        if (r)
                return -r;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        r = posix_spawn(ret, x->dutyctl, &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        return -r;
}

static int watch(Exports *x, Export *ex) {
        if ((ex->pidfd = pidfd_open(ex->pid, 0)) < 0)
                return -errno;
        int r = sd_event_add_io(x->event, &ex->exited, ex->pidfd, EPOLLIN, on_exited, ex);
        if (r >= 0)
                r = sd_event_add_time_relative(x->event, &ex->timeout, CLOCK_MONOTONIC,
                                               EXPORT_TIMEOUT_SEC * UINT64_C(1000000), 0,
                                               on_timeout, ex);
        return r < 0 ? r : 0;
}

int export_start(Exports *x, const HttpRequest *req, const char *config_path, int year,
                 const char *format, enum MHD_Result *ret) {
        Export *ex = calloc(1, sizeof(*ex));
        if (!ex)
                return -ENOMEM;
        *ex = (Export){.x = x, .pidfd = -1, .result = -EINPROGRESS};
        char y[16];
        snprintf(y, sizeof(y), "%d", year);
        int r = temp_path(&ex->path);
        /* The workbook: the year's quarters, the year and the 述职 sheets; CSV: the year. */
        const char *which = streq(format, "xlsx") ? "--year" : "--period";
        char *argv[] = {x->dutyctl, "-c",           (char *)config_path, "report", (char *)which, y,
                        "--format", (char *)format, "--output",          ex->path, NULL};
        if (r == 0 && (r = spawn(x, argv, &ex->pid)) == 0 && (r = watch(x, ex)) < 0)
                (void)kill(ex->pid, SIGKILL); /* reaped by no one else: wait for it */
        if (r < 0) {
                if (ex->pid > 0)
                        (void)waitpid(ex->pid, NULL, 0);
                log_error(_("console: cannot run %s: %s"), x->dutyctl, strerror(-r));
                export_free(ex);
                return r;
        }
        ex->next = x->running;
        if (x->running)
                x->running->prev = ex;
        x->running = ex;
        *ret = httpd_suspend(req, ex, on_request_end, &ex->wait);
        return 0;
}

int export_result(Export *ex) {
        if (ex->result < 0)
                return ex->result;
        int fd = open(ex->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        unlink(ex->path);
        free(ex->path);
        ex->path = NULL;
        return fd;
}

Exports *exports_free(Exports *x) {
        if (!x)
                return NULL;
        while (x->running) {
                Export *ex = x->running;
                running_unlink(x, ex);
                (void)pidfd_send_signal(ex->pidfd, SIGKILL, NULL, 0);
                (void)waitid(P_PIDFD, (id_t)ex->pidfd, &(siginfo_t){0}, WEXITED);
                if (ex->wait) /* the server is freed first: no request waits any more */
                        ex->wait = NULL;
                export_free(ex);
        }
        sd_event_unref(x->event);
        free(x->dutyctl);
        free(x);
        return NULL;
}
