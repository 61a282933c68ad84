/* manager.c — see manager.h. */
#include "manager.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "completion.h"
#include "config.h"
#include "donelink.h"
#include "console.h"
#include "donepage.h"
#include "feedbuild.h"
#include "feeds.h"
#include "feedversion.h"
#include "holidays.h"
#include "httpd.h"
#include "load.h"
#include "log.h"
#include "observe.h"
#include "outbox.h"
#include "planner.h"
#include "raise.h"
#include "reloader.h"
#include "enqueue.h"
#include "route.h"
#include "sender.h"
#include "stateopen.h"
#include "store.h"
#include "tz.h"
#include "i18n.h"
#include "util.h"

#define GRACE_SEC 600          /* a reminder later than this is "missed": catch-up digest */
#define CATCH_UP_MAX_DAYS 31   /* how far back a catch-up looks */
#define LOOKAHEAD_DAYS 8       /* the planning window of the timer */
#define FAR_LOOKAHEAD_DAYS 400 /* how far the status line looks for the next reminder */

struct Manager {
        sd_event *event;
        char *config_path;
        Config *config;
        Store *store;
        Ledger *ledger;
        Sender *sender;
        Httpd *httpd;
        Observe *observe;   /* /metrics, /healthz, the heartbeat */
        Reloader *reloader; /* reads the config on SIGHUP, off the loop */
        FeedBuild *feeds;   /* the feeds, rendered on request */
        char *state_dir;
        sd_event_source *timer, *clock_watch, *inotify, *refresh, *watchdog;
        uint64_t watchdog_usec;
        bool watchdog_withheld;
        int clock_fd;
        int lock_fd; /* the state folder's dutyd.lock, held for the process's life */
        Day track_from;
        time_t last_processed;
        int64_t data_version;
        CompletionVersion completions; /* of m->ledger, read with it */
        EventRec *events;              /* the open events (raise.h), whose clocks run */
        size_t n_events;
        size_t overdue, failed;
        char *next_text;   /* "11-25 09:00 镇长·安全生产工作会议" */
        char *served;      /* the feed server's first address, "127.0.0.1:8027" */
        char *config_note; /* e.g. "重新加载失败（2 处错误），沿用原配置" */
        bool stopping;
        DonePageContext done_page;
        Console *console;
};

/* ---- status ------------------------------------------------------------------------------ */

#define STATUS_RELOADING N_("reloading the configuration…")

static void update_status(Manager *m) {
        /* The loop goes on while a reload is read: what it does meanwhile does not hide that. */
        if (m->reloader && reloader_busy(m->reloader)) {
                (void)sd_notifyf(false, "STATUS=%s", _(STATUS_RELOADING));
                return;
        }
        /* Provisional holidays of the planning range: say so. */
        Day today = tz_day(clock_now());
        _cleanup_free_ char *hol = NULL;
        (void)holidays_provisional_note(m->config ? m->config->calendar : NULL, today, today + 365,
                                        &hol);
        _cleanup_free_ char *next = m->next_text ? strfmt(_("next reminder %s"), m->next_text)
                                                 : strdup(_("no reminder within a year"));
        const char *sep = _("; ");
        _cleanup_free_ char *s =
                next ? strfmt(_("%s; %zu overdue; %zu failed to send%s%s%s%s"), next, m->overdue,
                              m->failed, m->config_note ? sep : "",
                              m->config_note ? m->config_note : "", hol ? sep : "", hol ? hol : "")
                     : NULL;
        if (s)
                (void)sd_notifyf(false, "STATUS=%s", s);
}

static void count_failed(Manager *m) {
        size_t n;
        if (outbox_failed_count(m->store, &n) == 0)
                m->failed = n;
}

/* ---- feeds -------------------------------------------------------------------------------- */

static int refresh_completions(Manager *m, bool force);

/* The worker found completions recorded after the ledger it was given: read them now. */
static void on_feeds_stale(void *userdata) {
        Manager *m = userdata;
        m->data_version = -1;
        (void)refresh_completions(m, false);
}

static void on_feeds_error(void *userdata, int error) {
        (void)userdata;
        log_error(_("cannot update the feeds' version record: %s (the feeds answer 503 meanwhile)"),
                  strerror(-error));
}

/* The feed worker, on a state connection of its own; feeds are rendered when asked for. Its
 * first job, bringing the feeds' versions in line with the config (a write of a row per
 * assignment on a fresh state), is queued by sync_feeds() once READY=1 is sent: before, it
 * would take the processor and the state's write lock from the first planning. */
static int start_feeds(Manager *m) {
        Store *ws = NULL;
        int r = store_open_another(m->store, &ws);
        if (r < 0)
                return log_error(_("cannot open the state database %s a second time: %s"),
                                 store_path(m->store), strerror(-r)),
                       r;
        FeedBuildHooks hooks = {on_feeds_stale, on_feeds_error, m};
        if ((r = feedbuild_new(m->event, m->store, ws, &hooks, &m->feeds)) < 0)
                return log_error(_("cannot start the calendar feeds: %s"), strerror(-r)), r;
        feedbuild_set_ledger(m->feeds, m->ledger, m->completions);
        return 0;
}

/* Queues the sync, after READY=1 and before the loop takes the first request: one arriving
 * meanwhile waits for it (feedbuild.h). */
static int sync_feeds(Manager *m) {
        int r = feedbuild_set_config(m->feeds, m->config);
        if (r < 0)
                return log_error(_("cannot start the calendar feeds: %s"), strerror(-r)), r;
        return 0;
}

/* ---- reminders ---------------------------------------------------------------------------- */

static int queue_firings(Manager *m, const Planned *p, size_t n, bool digest, time_t now) {
        if (n == 0)
                return 0;
        Firing *f = calloc(n, sizeof(Firing));
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                f[i] = p[i].f;
        char **notes = eventclock_notes(m->config, f, n); /* an event's deadline, time left */
        if (!notes) {
                free(f);
                return -ENOMEM;
        }
        /* "Mark done" links, when there is a public address to put in them; each expires
         * 30 days after the deadline. */
        char **links = NULL;
        const Config *c = m->config;
        if (c->server.public_url || c->feeds.public_url) {
                links = calloc(n, sizeof(char *));
                for (size_t i = 0; links && i < n; i++) {
                        char id[OCCURRENCE_ID_MAX];
                        _cleanup_free_ char *token = NULL;
                        occurrence_id(c, &f[i].occ, id, sizeof(id));
                        time_t expires = tz_instant(f[i].occ.due + 31, 0);
                        if (donelink_make(m->store, id, expires, &token) == 0)
                                links[i] = donelink_url(c, m->served, token);
                }
        }
        size_t queued = 0;
        /* The outbox keeps its own timeline (real time; tests may scale it). */
        (void)now;
        int r = enqueue_firings(m->store, c, f, n, (const char *const *)links, digest, clock_now(),
                                &queued);
        for (size_t i = 0; links && i < n; i++)
                free(links[i]);
        free(links);
        eventclock_notes_free(notes, n);
        if (r < 0)
                log_error(_("cannot queue the reminders: %s"), store_strerror(m->store, r));
        else {
                observe_firings(m->config, f, n, digest);
                if (digest)
                        log_full(LOG_NOTICE, EV_CATCH_UP, NULL,
                                 P_("%zu reminder due while stopped went into digests (%zu "
                                    "messages)",
                                    "%zu reminders due while stopped went into digests (%zu "
                                    "messages)",
                                    n),
                                 n, queued);
        }
        free(f);
        return r;
}

/* Where processing resumes: last time, but not before the catch-up limit nor in the future. */
static time_t resume_from(const Manager *m, time_t now) {
        time_t t0 = m->last_processed;
        if (t0 <= 0 || t0 > now)
                t0 = t0 > now ? now : now - 1;
        if (t0 < now - CATCH_UP_MAX_DAYS * 86400)
                t0 = now - CATCH_UP_MAX_DAYS * 86400;
        return t0;
}

/* Queues whatever fired in (last_processed, now]: on time, or missed while dutyd was down. */
static int process_due(Manager *m, const PlanWindow *w, time_t now) {
        PlannedList l = {0};
        int r = planner_due(m->config, m->ledger, w, resume_from(m, now), now, GRACE_SEC, &l);
        if (r < 0) {
                planned_list_done(&l);
                return r;
        }
        /* Missed ones first go into one digest; on-time ones are grouped by instant. */
        Planned *missed = calloc(l.n ? l.n : 1, sizeof(Planned));
        size_t n_missed = 0;
        if (!missed)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < l.n; i++)
                if (l.items[i].missed)
                        missed[n_missed++] = l.items[i];
        if (r == 0)
                r = queue_firings(m, missed, n_missed, true, now);
        for (size_t i = 0; r == 0 && i < l.n;) {
                if (l.items[i].missed) {
                        i++;
                        continue;
                }
                size_t j = i;
                while (j < l.n && !l.items[j].missed && l.items[j].at == l.items[i].at)
                        j++;
                r = queue_firings(m, l.items + i, j - i, false, now);
                i = j;
        }
        free(missed);
        bool any = l.n > 0;
        planned_list_done(&l);
        if (r < 0)
                return r;
        /* Only now: a crash before this line re-plans the same reminders, which the outbox
         * drops as already queued. */
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", (long long)now);
        if (store_meta_set(m->store, "last_processed", buf) < 0)
                log_warning(_("cannot save how far the reminders were processed: %s"),
                            store_errmsg(m->store));
        m->last_processed = now;
        if (any && m->sender)
                (void)sender_kick(m->sender);
        return 0;
}

static uint64_t real_usec(time_t instant) {
        /* An injected clock (clock.h) may be shifted or faster; timers run on the real one. */
        int64_t u = clock_real_usec((int64_t)instant * USEC_PER_SEC_I64);
        return u > 0 ? (uint64_t)u : 1;
}

static void describe_next(Manager *m, const Planned *p, time_t now) {
        free(m->next_text);
        m->next_text = NULL;
        if (!p)
                return;
        const Config *c = m->config;
        char when[17], today[17];
        tz_format(p->at, when);
        tz_format(now, today);
        /* "11-25 09:00" this year, "2027-01-05 09:00" beyond it. */
        bool this_year = strncmp(when, today, 4) == 0;
        m->next_text = strfmt("%s %s·%s", this_year ? when + 5 : when, c->posts[p->f.occ.post].name,
                              c->duties[p->f.occ.duty].title);
}

/* The status line names the next reminder however far it is: past the planning window, look
 * up to a year further (only when the window has none, so at most once a day). */
static void describe_far_next(Manager *m, time_t now) {
        Day today = tz_day(now);
        PlanWindow far;
        Planned first;
        time_t at;
        /* Overlaps the window's last day (which had none), so nothing between is skipped. */
        Day d0 = today + LOOKAHEAD_DAYS;
        int r = planner_window(m->config, m->track_from, d0, today + FAR_LOOKAHEAD_DAYS, &far);
        if (r == 0)
                r = planner_next(m->config, m->ledger, &far, tz_instant(d0, 0), &at, &first);
        describe_next(m, r == 0 ? &first : NULL, now);
        plan_window_done(&far);
}

/* Arms the one timer: the next reminder, or local midnight, whichever is first. */
static int plan_next(Manager *m, const PlanWindow *w, time_t now) {
        Day today = tz_day(now);
        time_t midnight = tz_instant(today + 1, 0);
        time_t next = midnight;
        Planned first;
        int r = planner_next(m->config, m->ledger, w, now, &next, &first);
        if (r == 0)
                describe_next(m, &first, now);
        else
                describe_far_next(m, now);
        if (r < 0 || next > midnight)
                next = midnight;
        _cleanup_free_ size_t *by_post = calloc(m->config->n_posts + 1, sizeof(*by_post));
        m->overdue = planner_overdue_by_post(m->config, m->ledger, w, today, by_post);
        if (by_post && m->observe)
                observe_overdue(m->observe, by_post, m->config->n_posts);
        count_failed(m);
        update_status(m);
        r = sd_event_source_set_time(m->timer, real_usec(next));
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
        return r < 0 ? r : 0;
}

/* The window, planned once from where processing resumes to a week ahead; on failure (out of
 * memory) the timer tries again in a minute rather than never. */
static int plan_window(Manager *m, time_t now, PlanWindow *w) {
        int r = planner_window(m->config, m->track_from, tz_day(resume_from(m, now)),
                               tz_day(now) + LOOKAHEAD_DAYS, w);
        if (r == 0)
                r = planner_add_events(m->config, w, m->events, m->n_events);
        if (r < 0) {
                log_error(_("cannot plan the reminders: %s; retrying in a minute"), strerror(-r));
                plan_window_done(w);
                (void)sd_event_source_set_time(m->timer, real_usec(now + 60));
                (void)sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
        }
        return r;
}

/* Queues what is due in the window (the timer is armed already): on failure nothing was lost
 * (progress is saved only after queueing), the timer retries soon. Frees the window. */
static void queue_due(Manager *m, PlanWindow *w, time_t now) {
        int q = process_due(m, w, now);
        plan_window_done(w);
        if (q < 0) {
                log_error(_("cannot process the reminders: %s; retrying in a minute"),
                          strerror(-q));
                (void)sd_event_source_set_time(m->timer, real_usec(now + 60));
        }
}

/* Arms the timer for the next firing, then queues what is due. */
static int tick(Manager *m) {
        time_t now = clock_now();
        PlanWindow w;
        int r = plan_window(m, now, &w);
        if (r < 0)
                return r;
        r = plan_next(m, &w, now);
        queue_due(m, &w, now);
        return r;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s, (void)usec;
        return tick(userdata) < 0 ? 0 : 0;
}

/* ---- reload ----------------------------------------------------------------------------- */

/* The reloader has read the config (on_sighup started it): switch over to it, all of it or
 * nothing, on the loop. */
static void on_reloaded(void *userdata, int r, Config *c, const Diags *diags) {
        Manager *m = userdata;
        if (diags)
                observe_config_diags(m->config_path, diags, r, true);
        else
                log_full(LOG_ERR, EV_CONFIG_REJECTED, NULL,
                         _("cannot read the configuration %s: %s, not reloaded: the old one "
                           "stays in use"),
                         m->config_path, strerror(-r));
        free(m->config_note);
        m->config_note = NULL;
        if (m->observe)
                observe_config(m->observe, r < 0 ? NULL : c,
                               r >= 0 && streq(c->timezone, m->config->timezone));
        if (r < 0) {
                m->config_note =
                        strfmt(_("reload failed (see the log), keeping the old configuration"));
        } else if (!streq(c->timezone, m->config->timezone)) {
                log_full(LOG_ERR, EV_CONFIG_REJECTED, NULL,
                         _("changing the time zone (%s → %s) needs a restart of dutyd, not "
                           "reloaded"),
                         m->config->timezone, c->timezone);
                m->config_note =
                        strfmt(_("a new time zone needs a restart, keeping the old configuration"));
                config_free(c);
        } else {
                Config *old = m->config;
                m->config = c;
                if (m->sender)
                        (void)sender_set_config(m->sender, c);
                /* The feed worker lets go of the old config before it is freed. */
                if (m->feeds && feedbuild_set_config(m->feeds, c) < 0)
                        log_error(_(
                                "the calendar feeds could not switch to the new configuration: out of memory"));
                config_free(old);
                log_full(LOG_INFO, EV_CONFIG_RELOADED, NULL, _("reloaded the configuration %s"),
                         m->config_path);
        }
        (void)tick(m);
        (void)sd_notify(false, "READY=1");
        update_status(m);
}

/* The config is read in the reloader's thread: the loop goes on serving with the old one
 * meanwhile, and on_reloaded() switches over. */
static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void)s, (void)si;
        Manager *m = userdata;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        (void)sd_notifyf(false, "RELOADING=1\nSTATUS=%s\nMONOTONIC_USEC=%llu", _(STATUS_RELOADING),
                         (unsigned long long)ts.tv_sec * 1000000ULL +
                                 (unsigned long long)ts.tv_nsec / 1000);
        int r = reloader_start(m->reloader, tz_day(clock_now()));
        if (r > 0)
                log_info(_("the previous reload is still being read: %s is read once more "
                           "after it, the latest wins"),
                         m->config_path);
        else if (r < 0)
                on_reloaded(m, r, NULL, NULL);
        return 0;
}

static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void)s;
        Manager *m = userdata;
        (void)sd_notifyf(false, "STOPPING=1\nSTATUS=%s", _("stopping…"));
        log_full(LOG_INFO, EV_STOPPING, NULL,
                 _("signal %u received, stopping; messages not yet sent stay queued"),
                 si->ssi_signo);
        if (reloader_busy(m->reloader))
                log_info(_(
                        "the reloaded configuration is still being read: exiting once it is read (seconds at most), without using it"));
        m->stopping = true;
        return sd_event_exit(m->event, 0);
}

/* ---- clock changes and completions from other processes -------------------------------- */

static int arm_clock_watch(Manager *m) {
        /* An absolute realtime timer far away with CANCEL_ON_SET fires ECANCELED whenever the
         * wall clock is set (NTP step, date -s): then everything is re-planned. */
        struct itimerspec its = {.it_value = {.tv_sec = INT32_MAX}};
        if (timerfd_settime(m->clock_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) <
            0)
                return -errno;
        return 0;
}

static int on_clock_change(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)revents;
        Manager *m = userdata;
        uint64_t v;
        if (read(fd, &v, sizeof(v)) < 0 && errno != ECANCELED && errno != EAGAIN)
                return 0;
        log_full(LOG_NOTICE, EV_CLOCK_JUMP, NULL,
                 _("the system clock was changed: planning the reminders again"));
        (void)arm_clock_watch(m);
        (void)tick(m);
        return 0;
}

static int refresh_completions(Manager *m, bool force) {
        int64_t v = -1;
        if (store_data_version(m->store, &v) == 0 && !force && v == m->data_version)
                return 0; /* only our own writes */
        m->data_version = v;
        int e = event_list_refresh(m->store, &m->events, &m->n_events);
        if (e < 0)
                log_error("读取事件失败：%s", store_strerror(m->store, e));
        if (e > 0 && !force) {
                log_info("事件有变化，重新计算提醒");
                (void)tick(m);
        }
        /* The completion version grows with every completion recorded or undone (feedversion.h):
         * unchanged, the record is too. */
        CompletionVersion now;
        if (!force && m->ledger && feedversion_completions(m->store, &now) == 0 &&
            now.version == m->completions.version)
                return 0;
        /* The record and its version in one read transaction: feed validators name the state
         * the statuses come from. */
        Ledger *l = NULL;
        CompletionVersion cv;
        int r = feedversion_snapshot(m->store, &l, &cv);
        if (r < 0)
                return log_error(_("cannot read the record: %s"), store_strerror(m->store, r)), r;
        if (m->feeds)
                feedbuild_set_ledger(m->feeds, l, cv);
        ledger_free(m->ledger);
        m->ledger = l;
        m->completions = cv;
        if (!force) {
                log_info(_("the record changed: planning the reminders and feeds again"));
                (void)tick(m);
        }
        return 0;
}

static int on_refresh(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s, (void)usec;
        (void)refresh_completions(userdata, false);
        return 0;
}

static int on_state_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        (void)s, (void)ev;
        Manager *m = userdata;
        /* Coalesce a burst of writes into one look, 200 ms later. */
        int enabled = SD_EVENT_OFF;
        (void)sd_event_source_get_enabled(m->refresh, &enabled);
        if (enabled == SD_EVENT_OFF) {
                (void)sd_event_source_set_time_relative(m->refresh, 200 * 1000);
                (void)sd_event_source_set_enabled(m->refresh, SD_EVENT_ONESHOT);
        }
        return 0;
}

/* A completion recorded through a done link (our own write: no data_version change). */
static void on_done_link(void *userdata) {
        Manager *m = userdata;
        m->data_version = -1;
        (void)refresh_completions(m, false);
}

/* ---- deliveries ------------------------------------------------------------------------- */

static void on_delivery(Sender *s, const OutboxRow *row, DeliveryResult result, bool failed,
                        const char *error, void *userdata) {
        (void)s;
        Manager *m = userdata;
        _cleanup_free_ char *ch = strfmt("DUTYD_CHANNEL=%s", row->channel);
        _cleanup_free_ char *occ =
                strfmt("DUTYD_OCCURRENCE=%s", row->occurrence ? row->occurrence : "");
        _cleanup_free_ char *id = strfmt("DUTYD_DELIVERY_ID=%s", row->id);
        _cleanup_free_ char *duty = NULL;
        if (row->occurrence) {
                const char *colon = strchr(row->occurrence, ':');
                duty = strfmt(
                        "DUTYD_DUTY=%.*s",
                        (int)(colon ? colon - row->occurrence : (long)strlen(row->occurrence)),
                        row->occurrence);
        }
        const char *fields[] = {ch, occ, id, duty, NULL};
        const char *const *f = ch && occ && id ? fields : NULL;
        if (m->observe)
                observe_delivery(m->observe, row->channel, result == DELIVERY_OK, failed);
        if (result == DELIVERY_OK)
                log_full(LOG_INFO, EV_REMINDER_SENT, f, _("message %s delivered to channel %s"),
                         row->id, row->channel);
        else if (failed) {
                log_full(LOG_ERR, EV_DELIVERY_FAILED, f,
                         _("message %s to channel %s failed, given up: %s"), row->id, row->channel,
                         error ? error : "");
                m->failed++;
                update_status(m);
        } else
                log_full(LOG_WARNING, EV_DELIVERY_RETRY, f,
                         _("message %s to channel %s failed for now, will retry: %s"), row->id,
                         row->channel, error ? error : "");
}

/* ---- set-up and teardown ---------------------------------------------------------------- */

/* The state folder: $STATE_DIRECTORY (its first entry), else the config's, else the default. */
static char *state_dir_of(const Config *c) {
        const char *e = getenv("STATE_DIRECTORY");
        char *dir = strdup(e && *e ? e : c && c->state_dir ? c->state_dir : "/var/lib/dutyd");
        char *colon = dir ? strchr(dir, ':') : NULL; /* several StateDirectory= entries */
        if (colon)
                *colon = 0;
        return dir;
}

/* `so`: the folder's opening started before the config was read (NULL: not yet), taken. */
static int open_state(Manager *m, StateOpen *so) {
        if (!(m->state_dir = state_dir_of(m->config))) {
                stateopen_free(so);
                return -ENOMEM;
        }
        StateOpened st;
        int r = so ? 0 : stateopen_start(m->state_dir, &so);
        if (r < 0 || (r = stateopen_finish(so, tz_day(clock_now()), &st)) < 0)
                return r;
        m->lock_fd = st.lock_fd, m->store = st.store;
        m->track_from = st.track_from, m->last_processed = st.last_processed;
        return refresh_completions(m, true); /* the tables are made by store_open() */
}

/* WATCHDOG=1 only while the feed server takes its connections: a wedged server gets the
 * service restarted (WatchdogSec=) rather than reported alive. Checked four times a period, so
 * that one check failing by chance does not cost the service its life. */
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        (void)usec;
        uint64_t stuck =
                m->watchdog_usec / 2 < HTTPD_STUCK_USEC ? m->watchdog_usec / 2 : HTTPD_STUCK_USEC;
        bool healthy = !m->httpd || httpd_healthy(m->httpd, stuck);
        if (healthy)
                (void)sd_notify(false, "WATCHDOG=1");
        if (healthy == m->watchdog_withheld) {
                if (healthy)
                        log_info(_("the feed server takes connections again"));
                else
                        log_error(_("the feed server has not taken waiting connections for %llu "
                                    "seconds: no longer reporting alive to systemd, the watchdog "
                                    "will restart dutyd"),
                                  (unsigned long long)(stuck / 1000000));
        }
        m->watchdog_withheld = !healthy;
        (void)sd_event_source_set_time_relative(s, m->watchdog_usec / 4);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int add_watchdog(Manager *m) {
        int r = sd_watchdog_enabled(false, &m->watchdog_usec);
        if (r <= 0 || m->watchdog_usec < 4)
                return r < 0 ? -EIO : 0;
        r = sd_event_add_time_relative(m->event, &m->watchdog, clock_delay_id(),
                                       m->watchdog_usec / 4, 0, on_watchdog, m);
        return r < 0 ? r : 0;
}

static int add_sources(Manager *m) {
        sd_event *e = m->event;
        int r;
        if ((r = sd_event_add_signal(e, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_stop, m)) <
                    0 ||
            (r = sd_event_add_signal(e, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_stop, m)) < 0 ||
            (r = sd_event_add_signal(e, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_sighup, m)) < 0)
                return r;
        /* A second of accuracy on the clock dutyd shows (a faster injected one: less real). */
        uint64_t accuracy = (uint64_t)(1000 * 1000 / clock_scale());
        if ((r = sd_event_add_time(e, &m->timer, CLOCK_REALTIME, UINT64_MAX,
                                   accuracy ? accuracy : 1, on_timer, m)) < 0)
                return r;
        if ((r = sd_event_add_time_relative(e, &m->refresh, clock_delay_id(), 200 * 1000, 0,
                                            on_refresh, m)) < 0)
                return r;
        (void)sd_event_source_set_enabled(m->refresh, SD_EVENT_OFF);
        m->clock_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (m->clock_fd < 0 || arm_clock_watch(m) < 0)
                return -errno;
        if ((r = sd_event_add_io(e, &m->clock_watch, m->clock_fd, EPOLLIN, on_clock_change, m)) < 0)
                return r;
        if ((r = sd_event_add_inotify(e, &m->inotify, m->state_dir,
                                      IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO, on_state_change,
                                      m)) < 0)
                log_warning(
                        _("cannot watch the state directory (%s): dutyctl's records take effect at the next reminder"),
                        strerror(-r));
        return add_watchdog(m);
}

/* The address actually served (the socket unit's when systemd passes one), for done links and
 * for `dutyctl feeds list` / `done-link`, which read it from the state. */
static int note_served_address(Manager *m) {
        char addr[128];
        if (httpd_n_listeners(m->httpd) == 0 ||
            httpd_listener_address(m->httpd, 0, addr, sizeof(addr)) < 0)
                return 0;
        free(m->served);
        if (!(m->served = strdup(addr)))
                return -ENOMEM;
        if (store_meta_set(m->store, META_SERVED_ADDRESS, addr) < 0)
                log_warning(_("cannot record the served address in the state database: %s"),
                            store_errmsg(m->store));
        return 0;
}

int manager_new(const char *config_path, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->clock_fd = -1;
        m->lock_fd = -1;
        int r = -ENOMEM;
        if (!(m->config_path = strdup(config_path)))
                return r;
        (void)tz_use(DEFAULT_TIMEZONE);
        /* A folder known before the config is opened and checked while the config is read. */
        _cleanup_(stateopen_freep) StateOpen *so = NULL;
        const char *e = getenv("STATE_DIRECTORY");
        _cleanup_free_ char *dir = e && *e ? state_dir_of(NULL) : NULL;
        if (dir)
                (void)stateopen_start(dir, &so); /* out of memory: opened after the config */
        Diags d = {0};
        r = reloader_read(config_path, tz_day(clock_now()), &m->config, &d);
        observe_config_diags(config_path, &d, r, false);
        diags_done(&d);
        if (r < 0)
                return r;
        if (clock_error())
                log_warning("%s", clock_error());
        if ((r = tz_use(m->config->timezone)) < 0)
                return r;
        if ((r = sd_event_default(&m->event)) < 0 || (r = open_state(m, TAKE_PTR(so))) < 0)
                return r;
        if ((r = reloader_new(m->event, config_path, on_reloaded, m, &m->reloader)) < 0) {
                log_error(_("cannot set up the event loop: %s"), strerror(-r));
                return r;
        }
        if ((r = add_sources(m)) < 0) {
                log_error(_("cannot set up the event loop: %s"), strerror(-r));
                return r;
        }
        /* READY=1 waits for the config, the state and the next firing only: no feed is built
         * in advance; each is rendered in the worker when asked for (after the versions are
         * synced with the config, which the worker does first, once READY=1 is sent). */
        if ((r = start_feeds(m)) < 0)
                return r;
        if ((r = httpd_new(m->event, &m->config->server, m->feeds, &m->httpd)) < 0) {
                log_error(_("cannot start the feed server: %s"), strerror(-r));
                return r;
        }
        if ((r = note_served_address(m)) < 0)
                return r;
        m->done_page = (DonePageContext){&m->config, m->store, on_done_link, m};
        if ((r = donepage_register(m->httpd, &m->done_page)) < 0)
                return r;
        if ((r = console_new(m->event, m->httpd, &m->config, m->store, on_done_link, m,
                             &m->console)) < 0)
                return r;
        if ((r = observe_new(m->event, m->store, m->httpd, m->config, &m->observe)) < 0) {
                log_error(_("cannot start the monitoring endpoint: %s"), strerror(-r));
                return r;
        }
        if ((r = sender_new(m->event, m->store, m->config, &m->sender)) < 0) {
                log_error(_("cannot start the sender: %s"), strerror(-r));
                return r;
        }
        sender_set_notify(m->sender, on_delivery, m);
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* The sender first: it puts transfers in flight back to the queue. */
        sender_free(m->sender);
        observe_free(m->observe); /* before the server its routes are on */
        httpd_free(m->httpd);     /* before the feeds: it lets go of the renderings it waits for */
        console_free(m->console); /* after the server, which routes to it */
        feedbuild_free(m->feeds);
        /* Last of the loop's parts: a read under way is waited for (seconds at most). */
        reloader_free(m->reloader);
        sd_event_source_disable_unref(m->timer);
        sd_event_source_disable_unref(m->refresh);
        sd_event_source_disable_unref(m->watchdog);
        sd_event_source_disable_unref(m->clock_watch);
        sd_event_source_disable_unref(m->inotify);
        if (m->clock_fd >= 0)
                close(m->clock_fd);
        if (m->lock_fd >= 0)
                close(m->lock_fd);
        ledger_free(m->ledger);
        event_rec_list_free(m->events, m->n_events);
        store_close(m->store);
        config_free(m->config);
        sd_event_unref(m->event);
        free(m->config_path), free(m->state_dir);
        free(m->next_text), free(m->config_note), free(m->served);
        free(m);
        return NULL;
}

int manager_run(Manager *m) {
        /* READY=1 needs the next firing only: what fell due while dutyd was stopped (the
         * catch-up, a scan of every occurrence of the window) is queued after it, then the
         * feeds' versions are synced, before the loop takes its first event. */
        time_t now = clock_now();
        PlanWindow w;
        bool planned = plan_window(m, now, &w) == 0;
        int r = planned ? plan_next(m, &w, now) : 0;
        if (r < 0)
                log_error(_("cannot schedule the reminders: %s"), strerror(-r));
        char addr[128] = "";
        if (m->httpd && httpd_n_listeners(m->httpd) > 0)
                (void)httpd_listener_address(m->httpd, 0, addr, sizeof(addr));
        log_full(LOG_INFO, EV_STARTED, NULL,
                 _("dutyd started: %s, posts: %zu, duties: %zu, feeds at %s"), m->config->org_name,
                 m->config->n_posts, m->config->n_duties, addr[0] ? addr : _("none"));
        (void)sd_notify(false, "READY=1");
        if (planned)
                queue_due(m, &w, now);
        update_status(m);
        if (sync_feeds(m) < 0)
                return 1;
        r = sd_event_loop(m->event);
        return r < 0 ? 1 : 0;
}
