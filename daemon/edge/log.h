/* log.h — logging for dutyd: the systemd journal with structured fields (PRIORITY, MESSAGE_ID,
 * DUTYD_*) when stderr is connected to the journal ($JOURNAL_STREAM), plain "dutyd: …" lines on
 * stderr otherwise (a shell, a test). Each event class has a MESSAGE_ID explained in
 * units/dutyd.catalog for `journalctl -x`. Secrets are never passed here. */
#pragma once
#include <syslog.h>

typedef enum LogEvent {
        EV_NONE,
        EV_STARTED,         /* ready: config loaded, state open, next reminder planned */
        EV_CONFIG_REJECTED, /* a reload found errors; the old config stays */
        EV_CONFIG_RELOADED,
        EV_REMINDER_SENT,   /* a message was accepted by its receiver */
        EV_DELIVERY_FAILED, /* a message was given up (permanent error or give-up time) */
        EV_DELIVERY_RETRY,  /* a transient failure; will retry */
        EV_CATCH_UP,        /* after downtime: missed reminders grouped into one digest */
        EV_STOPPING,
        EV_CLOCK_JUMP,   /* wall clock changed: re-planned */
        EV_EVENT_RAISED, /* dutyctl raise: an event alerted every responsible post */
        _EV_MAX,
} LogEvent;

/* Call once at start-up. */
void log_setup(const char *ident);
/* Log a message. `fields` is NULL or a NULL-terminated list of "DUTYD_X=value" strings. */
void log_full(int priority, LogEvent ev, const char *const *fields, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* To the journal whatever stderr is (dutyctl's record of what an administrator did, e.g. raise);
 * nothing when there is no journal. */
void log_journal(int priority, LogEvent ev, const char *const *fields, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#define log_error(...) log_full(LOG_ERR, EV_NONE, NULL, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, EV_NONE, NULL, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, EV_NONE, NULL, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, EV_NONE, NULL, __VA_ARGS__)
