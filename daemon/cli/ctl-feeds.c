/* ctl-feeds.c — see ctl-feeds.h. */
#include "ctl-feeds.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "clock.h"
#include "completion.h"
#include "ctl.h"
#include "feedbuild.h"
#include "feeds.h"
#include "feedtoken.h"
#include "feedversion.h"
#include "feedwrite.h"
#include "httpd.h"
#include "store.h"
#include "i18n.h"
#include "util.h"

static int feeds_usage(FILE *f) {
        fputs(_("Usage: dutyctl [-c FILE] feeds write [--dir DIR]\n"
                "       dutyctl [-c FILE] feeds list\n"
                "       dutyctl [-c FILE] feeds rotate [FEED]\n"
                "  write   write every feed as DIR/<feed>.ics (default feeds.dir, else\n"
                "          STATE_DIR/feeds), byte for byte what the server serves; a file whose\n"
                "          content is unchanged is not rewritten; the files of feeds no longer\n"
                "          configured (org.ics, overdue.ics, summary.ics, post-*.ics,\n"
                "          person-*.ics) are removed, other files left alone\n"
                "  list    print each feed's https and webcal addresses (they hold its secret\n"
                "          token: do not pass them on)\n"
                "  rotate  give the feed (default: all) a new token; the old address stops working\n"
                "Feeds: overdue (not done after the deadline), summary (what is done), post-<post id>,\n"
                "person-<person id>; at most feeds.max_events events each (default 500).\n"),
              f);
        return f == stdout ? 0 : EXIT_USAGE;
}

/* https://HOST/feeds/TOKEN/NAME.ics and its webcal:// twin. */
static void print_addresses(const char *base, const char *name, const char *title,
                            const char *token) {
        size_t bl = strlen(base);
        while (bl > 0 && base[bl - 1] == '/')
                bl--;
        const char *rest = base;
        if (strncmp(base, "https://", 8) == 0)
                rest = base + 8;
        else if (strncmp(base, "http://", 7) == 0)
                rest = base + 7;
        int rl = (int)(bl - (size_t)(rest - base));
        printf("%s  %s\n", name, title);
        printf("  %.*s/feeds/%s/%s.ics\n", (int)bl, base, token, name);
        printf("  webcal://%.*s/feeds/%s/%s.ics\n", rl, rest, token, name);
}

/* The address a subscriber uses: the public one, else the one the daemon serves (recorded in
 * the state, e.g. the socket unit's), else server.listen. malloc'd. */
static char *public_base(const Config *c, Store *store) {
        if (c->feeds.public_url)
                return strdup(c->feeds.public_url);
        if (c->server.public_url)
                return strdup(c->server.public_url);
        _cleanup_free_ char *served = NULL;
        (void)store_meta_get(store, META_SERVED_ADDRESS, &served);
        char *base = config_local_url(c, served);
        if (base)
                fprintf(stderr,
                        served ? _("note: feeds.public_url is not set; the addresses are those "
                                   "the server listens on, %s\n")
                               : _("note: feeds.public_url is not set; the addresses are "
                                   "server.listen's, %s\n"),
                        base);
        return base;
}

/* The state with the tables the feeds use. */
static int open_feed_state(const Config *c, Store **ret) {
        if (ctl_open_store(c, ret))
                return -EIO;
        int r = feedtoken_init(*ret);
        if (r == 0)
                r = feedversion_init(*ret);
        if (r < 0) {
                fprintf(stderr, _("cannot initialize the state database %s: %s\n"),
                        store_path(*ret), store_errmsg(*ret));
                *ret = store_close(*ret);
        }
        return r;
}

/* The record and its version, read in one transaction. */
static int load_ledger(Store *s, Ledger **ret, CompletionVersion *ret_v) {
        int r = feedversion_snapshot(s, ret, ret_v);
        if (r < 0)
                fprintf(stderr, _("cannot read the record: %s\n"), store_strerror(s, r));
        return r;
}

/* ---- write ---- */

/* Inputs as the server has them, then every feed written; the record read again if someone
 * records a completion meanwhile. */
static int write_with(Store *s, FeedInputs *in, const char *dir, FeedsWriteStats *st) {
        FeedVersionReader *vr = NULL;
        int r = feedversion_reader_new(s, &vr);
        for (int attempt = 0; r == 0 && attempt < FEEDBUILD_TRIES; attempt++) {
                Ledger *l = NULL;
                if ((r = load_ledger(s, &l, &in->completions)) < 0)
                        break;
                in->ledger = l;
                r = feedversion_reader_begin(vr, in->generation.generation,
                                             in->completions.version);
                if (r == 0) {
                        r = feeds_write(in, vr, ctl_today(in->config), dir, st);
                        feedversion_reader_end(vr);
                }
                in->ledger = ledger_free(l);
                if (r != -ESTALE)
                        break;
        }
        feedversion_reader_free(vr);
        return r;
}

static int feeds_write_cmd(Config *c, const char *dir_arg) {
        _cleanup_free_ char *dir =
                dir_arg ? strdup(dir_arg) : feeds_default_dir(c, ctl_state_dir(c));
        if (!dir)
                return 1;
        Store *s = NULL;
        if (open_feed_state(c, &s) < 0)
                return 1;
        FeedInputs in = {.config = c};
        FeedIndex *x = NULL;
        FeedsWriteStats st;
        int r = feedversion_sync(s, c, ctl_today(c), clock_now(), NULL, &in.generation);
        if (r < 0)
                fprintf(stderr, _("cannot update the feeds' version record: %s\n"),
                        store_errmsg(s));
        else if ((r = feed_index_new(c, &x)) == 0) {
                in.index = x;
                if ((r = write_with(s, &in, dir, &st)) < 0)
                        fprintf(stderr, _("cannot write %s: %s\n"), dir, strerror(-r));
        }
        feed_index_free(x);
        store_close(s);
        if (r < 0)
                return 1;
        printf(_("wrote %zu feeds to %s: %zu updated, %zu unchanged, %llu bytes"), st.feeds, dir,
               st.written, st.unchanged, (unsigned long long)st.bytes);
        if (st.removed > 0)
                printf(P_("; removed %zu file of a feed no longer configured",
                          "; removed %zu files of feeds no longer configured", st.removed),
                       st.removed);
        printf("\n");
        return 0;
}

/* ---- list, rotate ---- */

/* Every token the listing needs (created or replaced) in one transaction. */
static int make_tokens(Store *s, const Config *c, const FeedRef *only, bool rotate) {
        if (store_begin(s) < 0)
                return -EIO;
        int r = 0;
        size_t n = only ? 1 : feeds_count(c);
        for (size_t i = 0; r == 0 && i < n; i++) {
                char name[FEED_NAME_MAX], token[FEEDTOKEN_LEN + 1];
                feeds_name(c, only ? *only : feeds_nth(c, i), name);
                r = rotate ? feedtoken_rotate(s, name, token) : feedtoken_get(s, name, token);
                explicit_bzero(token, sizeof(token));
        }
        if (r == 0 && store_commit(s) < 0)
                r = -EIO;
        if (r < 0)
                store_rollback(s);
        return r;
}

static int print_list(Store *s, const Config *c, const FeedRef *only, const char *base) {
        FeedTokenReader *tr = NULL;
        int r = feedtoken_reader_new(s, &tr);
        size_t n = only ? 1 : feeds_count(c);
        for (size_t i = 0; r == 0 && i < n; i++) {
                FeedRef f = only ? *only : feeds_nth(c, i);
                char name[FEED_NAME_MAX], token[FEEDTOKEN_LEN + 1];
                feeds_name(c, f, name);
                _cleanup_free_ char *title = feeds_title(c, f);
                if ((r = feedtoken_find(tr, name, token)) == 0 && title)
                        print_addresses(base, name, title, token);
                explicit_bzero(token, sizeof(token));
        }
        feedtoken_reader_free(tr);
        return r;
}

static int feeds_list_cmd(Config *c, const char *only_name, bool rotate) {
        FeedRef only;
        if (only_name && feeds_find(c, NULL, only_name, &only) < 0) {
                fprintf(stderr, _("unknown feed: %s (dutyctl feeds list shows them all)\n"),
                        only_name);
                return 1;
        }
        Store *store = NULL;
        if (open_feed_state(c, &store) < 0)
                return 1;
        _cleanup_free_ char *base = public_base(c, store);
        const FeedRef *o = only_name ? &only : NULL;
        int r = base ? make_tokens(store, c, o, rotate) : -ENOMEM;
        if (r == 0)
                r = print_list(store, c, o, base);
        if (r < 0)
                fprintf(stderr, _("cannot read or write the tokens: %s\n"), store_errmsg(store));
        else if (rotate)
                fprintf(stderr, _("New tokens are in place; the old addresses no longer work.\n"));
        store_close(store);
        return r < 0 ? 1 : 0;
}

int verb_feeds(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"dir", required_argument, NULL, 'd'}, {}};
        const char *dir = NULL;
        int o;
        while ((o = getopt_long(argc, argv, "+hd:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return feeds_usage(stdout);
                case 'd': dir = optarg; break;
                default: return feeds_usage(stderr);
                }
        }
        if (optind >= argc)
                return feeds_usage(stderr);
        const char *sub = argv[optind++];
        /* Options may also follow the subcommand: dutyctl feeds write --dir X. */
        while ((o = getopt_long(argc, argv, "hd:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return feeds_usage(stdout);
                case 'd': dir = optarg; break;
                default: return feeds_usage(stderr);
                }
        }
        const char *arg = optind < argc ? argv[optind++] : NULL;
        if (optind < argc)
                return feeds_usage(stderr);
        bool is_write = streq(sub, "write"), is_list = streq(sub, "list"),
             is_rotate = streq(sub, "rotate");
        if (!is_write && !is_list && !is_rotate) {
                fprintf(stderr, _("dutyctl feeds: unknown subcommand '%s'\n"), sub);
                return feeds_usage(stderr);
        }
        if ((arg && !is_rotate) || (dir && !is_write))
                return feeds_usage(stderr);
        Config *c = NULL;
        int r = ctl_load_config(&c);
        if (r)
                return r;
        if (is_write)
                r = feeds_write_cmd(c, dir);
        else
                r = feeds_list_cmd(c, arg, is_rotate);
        config_free(c);
        return r;
}

/* ---- serve ---- */

typedef struct Server {
        Config *config;
        Store *store;
        FeedBuild *feeds;
        Ledger *ledger;
        CompletionVersion completions;
        sd_event *event;
        sd_event_source *tick;
        Httpd *httpd;
} Server;

static void server_done(Server *sv) {
        httpd_free(sv->httpd);
        feedbuild_free(sv->feeds);
        sd_event_source_unref(sv->tick);
        sd_event_unref(sv->event);
        ledger_free(sv->ledger);
        store_close(sv->store);
        config_free(sv->config);
}

/* The record again, if it changed (or `force`). */
static int server_reload(Server *sv, bool force) {
        CompletionVersion v;
        if (!force && feedversion_completions(sv->store, &v) == 0 &&
            v.version == sv->completions.version)
                return 0;
        Ledger *l = NULL;
        int r = load_ledger(sv->store, &l, &v);
        if (r < 0)
                return r;
        feedbuild_set_ledger(sv->feeds, l, v);
        ledger_free(sv->ledger);
        sv->ledger = l;
        sv->completions = v;
        return 0;
}

static void on_stale(void *userdata) {
        (void)server_reload(userdata, true);
}

static void on_sync_error(void *userdata, int error) {
        (void)userdata;
        fprintf(stderr, _("cannot update the feeds' version record: %s\n"), strerror(-error));
}

static int on_tick(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)usec;
        /* Completions recorded by `dutyctl done` show within a minute (tokens and the day are
         * looked at on every request). */
        if (server_reload(userdata, false) < 0)
                fprintf(stderr, _("cannot read the record\n"));
        (void)sd_event_source_set_time_relative(src, 60 * 1000000ULL);
        (void)sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        return 0;
}

static int on_hup(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        (void)src, (void)si;
        Server *sv = userdata;
        int r = server_reload(sv, true);
        feedbuild_flush(sv->feeds);
        fputs(r < 0 ? _("cannot read the record again\n")
                    : _("read the record and the tokens again\n"),
              stderr);
        return 0;
}

static int on_term(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        (void)si, (void)userdata;
        (void)sd_notify(0, "STOPPING=1");
        return sd_event_exit(sd_event_source_get_event(src), 0);
}

static int serve_usage(void) {
        printf(_("Usage: dutyctl [-c FILE] serve [--listen HOST:PORT]\n"
                 "Serve the calendar feeds (GET /feeds/<token>/<feed>.ics) in the foreground until\n"
                 "Ctrl-C or SIGTERM. Feeds are built on request (the same content feeds write\n"
                 "writes); no file is written.\n"
                 "  --listen  the address to listen on, default server.listen (%s); port 0 = any\n"
                 "A socket passed by systemd is used instead. SIGHUP: read the record again.\n"),
               DEFAULT_LISTEN);
        return 0;
}

/* The feed worker on its own connection, with the config and the record. */
static int server_start(Server *sv, sd_event *e) {
        Store *ws = NULL;
        int r = store_open_another(sv->store, &ws);
        FeedBuildHooks hooks = {on_stale, on_sync_error, sv};
        if (r == 0)
                r = feedbuild_new(e, sv->store, ws, &hooks, &sv->feeds);
        if (r == 0)
                r = feedbuild_set_config(sv->feeds, sv->config);
        if (r == 0)
                r = server_reload(sv, true);
        return r;
}

static int add_sources(sd_event *e, Server *sv, sd_event_source **tick) {
        int r;
        if ((r = sd_event_add_signal(e, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_term, sv)) <
                    0 ||
            (r = sd_event_add_signal(e, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_term, sv)) <
                    0 ||
            (r = sd_event_add_signal(e, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_hup, sv)) < 0)
                return r;
        return sd_event_add_time_relative(e, tick, clock_delay_id(), 60 * 1000000ULL, 0, on_tick,
                                          sv);
}

int verb_serve(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"listen", required_argument, NULL, 'l'}, {}};
        const char *listen_on = NULL;
        int o;
        while ((o = getopt_long(argc, argv, "hl:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return serve_usage();
                case 'l': listen_on = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind < argc)
                return EXIT_USAGE;
        _cleanup_(server_done) Server sv = {0};
        int r = ctl_load_config(&sv.config);
        if (r)
                return r;
        if (open_feed_state(sv.config, &sv.store) < 0)
                return 1;
        if ((r = sd_event_default(&sv.event)) < 0 ||
            (r = add_sources(sv.event, &sv, &sv.tick)) < 0 ||
            (r = server_start(&sv, sv.event)) < 0) {
                fprintf(stderr, _("cannot start the calendar feeds: %s\n"), strerror(-r));
                return 1;
        }
        ServerConfig scfg = sv.config->server;
        if (listen_on)
                scfg.listen = (char *)listen_on;
        r = httpd_new(sv.event, &scfg, sv.feeds, &sv.httpd);
        if (r < 0) {
                fprintf(stderr, _("cannot listen on %s: %s\n"),
                        scfg.listen ? scfg.listen : DEFAULT_LISTEN, strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < httpd_n_listeners(sv.httpd); i++) {
                char a[80];
                httpd_listener_address(sv.httpd, i, a, sizeof(a));
                fprintf(stderr, _("listening on http://%s/feeds/<token>/<feed>.ics (%zu feeds)\n"),
                        a, feeds_count(sv.config));
        }
        fflush(stderr);
        (void)sd_notifyf(0, "READY=1\nSTATUS=%s", _("serving the calendar feeds"));
        r = sd_event_loop(sv.event);
        return r < 0 ? 1 : 0;
}
