/* log.c — see log.h. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "util.h"

/* MESSAGE_IDs: generated with `systemd-id128 new`; never change them (units/dutyd.catalog). */
static const char *const event_ids[_EV_MAX] = {
        [EV_STARTED] = "288d4d0881a54926b3f8cd6fbfd26fbf",
        [EV_CONFIG_REJECTED] = "18d438946c4f4e92bf9f2d1a1d4d0aaa",
        [EV_CONFIG_RELOADED] = "f9ff6198ddb74e70998d0ecac246d4e8",
        [EV_REMINDER_SENT] = "909d7c5c30344f30947ebf33c40f7efa",
        [EV_DELIVERY_FAILED] = "5118829c274343fd8929c216eef9051e",
        [EV_DELIVERY_RETRY] = "354916f9371a4d4e8582639e4749a800",
        [EV_CATCH_UP] = "45366aa5e406428596748fdf08b6d829",
        [EV_STOPPING] = "6611fe2f2238473bbba8e775dfd50e90",
        [EV_CLOCK_JUMP] = "57317a263e5140b8972b3ed8684a8e7e",
        [EV_EVENT_RAISED] = "4365c190b57d42bd9750d625b639d693",
};

static bool use_journal;
static const char *log_ident = "dutyd";

/* 32 hex chars, or NULL for EV_NONE. */
static const char *log_event_id(LogEvent ev) {
        return ev > EV_NONE && ev < _EV_MAX ? event_ids[ev] : NULL;
}

void log_setup(const char *ident) {
        log_ident = ident;
        /* $JOURNAL_STREAM is "DEVICE:INODE" of the journal stream given as stdout/stderr. */
        const char *e = getenv("JOURNAL_STREAM");
        struct stat st;
        unsigned long long dev, ino;
        use_journal = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
                      st.st_dev == dev && st.st_ino == ino;
}

/* One entry to the journal; false when there is no journal to take it. */
static bool journal_send(int priority, LogEvent ev, const char *const *fields, const char *msg) {
        struct iovec iov[32];
        char *owned[4] = {0};
        size_t n = 0;
        owned[0] = strfmt("MESSAGE=%s", msg);
        owned[1] = strfmt("PRIORITY=%d", priority);
        owned[2] = strfmt("SYSLOG_IDENTIFIER=%s", log_ident);
        if (log_event_id(ev))
                owned[3] = strfmt("MESSAGE_ID=%s", log_event_id(ev));
        for (size_t i = 0; i < ELEMENTSOF(owned); i++)
                if (owned[i])
                        iov[n++] = (struct iovec){owned[i], strlen(owned[i])};
        for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
                iov[n++] = (struct iovec){(void *)fields[i], strlen(fields[i])};
        bool ok = owned[0] && sd_journal_sendv(iov, (int)n) >= 0;
        for (size_t i = 0; i < ELEMENTSOF(owned); i++)
                free(owned[i]);
        return ok;
}

void log_full(int priority, LogEvent ev, const char *const *fields, const char *fmt, ...) {
        static int debug = -1;
        if (debug < 0)
                debug = getenv("DUTYD_DEBUG") != NULL;
        if (priority >= LOG_DEBUG && !debug)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *msg = vstrfmt(fmt, ap);
        va_end(ap);
        if (!use_journal || !journal_send(priority, ev, fields, msg ? msg : fmt))
                fprintf(stderr, "%s: %s\n", log_ident, msg ? msg : fmt);
        free(msg);
}

void log_journal(int priority, LogEvent ev, const char *const *fields, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = vstrfmt(fmt, ap);
        va_end(ap);
        (void)journal_send(priority, ev, fields, msg ? msg : fmt);
        free(msg);
}
