/* ctl-explain.c — see ctl-explain.h. */
#include "ctl-explain.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "eventclock.h"
#include "eventrule.h"
#include "explain.h"
#include "i18n.h"
#include "phrase.h"
#include "table.h"
#include "tz.h"
#include "util.h"

#define EXPLAIN_DEFAULT_NEXT 4
#define EXPLAIN_MAX_NEXT 50

static int out_of_memory(void) {
        fprintf(stderr, _("dutyctl: out of memory\n"));
        return 1;
}

static int next_count = EXPLAIN_DEFAULT_NEXT;

/* "2026-12-21（一）、2027-03-22（一）…" */
static int print_next(const Config *c, const Rule *r, const DutyScope *scope, Day today) {
        Occurrence next[EXPLAIN_MAX_NEXT];
        size_t n;
        if (explain_next(c, r, scope, today, next, (size_t)next_count, &n) < 0)
                return -ENOMEM;
        printf(_("  next deadlines: "));
        for (size_t i = 0; i < n; i++) {
                char due[11];
                day_format(next[i].due, due);
                printf("%s", i ? _(", ") : "");
                printf(_("%s (%s)"), due, ctl_weekday(next[i].due));
                if (next[i].due_minute) {
                        char t[RULE_TIME_MAX];
                        rule_time(next[i].due_minute, t);
                        printf("%s", t);
                } else if (r->shift_edge)
                        printf("24:00"); /* a shift that starts or ends at midnight */
                if (next[i].due != next[i].nominal) {
                        char nominal[11];
                        day_format(next[i].nominal, nominal);
                        printf(_(" [moved from %s, a day off]"), nominal);
                }
        }
        if (r->shift_edge && !c->n_shifts)
                printf("%s\n", _("(no shifts in the configuration)"));
        else if (period_is_school(r->period) && !c->n_terms)
                printf("%s\n", _("(no school terms in the configuration)"));
        else
                printf("%s\n", n ? "" : _("(none within five years)"));
        return 0;
}

/* The phrase, then a caret under the character where reading stopped (display columns). */
static void print_phrase_error(const char *phrase, size_t offset, const char *msg) {
        _cleanup_free_ char *before = strndup(phrase, offset);
        int width = 0;
        if (before) {
                const char *cells[1] = {before};
                table_widths(&width, 1, cells);
        }
        printf("%s\n%*s^ ", phrase, width, "");
        printf(_("not understood: %s\n"), _(msg));
}

/* An event clock's deadlines were the event to happen now (eventclock.h). */
static void print_event_next(const Calendar *cal, const EventClock *k) {
        time_t now = clock_now(), due[EXPLAIN_MAX_NEXT];
        size_t n = eventclock_deadlines(cal, k, now, now + (time_t)k->minutes * 60 * next_count,
                                        due, (size_t)next_count);
        char at[17];
        tz_format(now, at);
        printf("  若事件此刻（%s）发生，截止：", at);
        for (size_t i = 0; i < n; i++) {
                Occurrence o = {0};
                Day d = tz_day(due[i]);
                int m = tz_minute(due[i]);
                o.due = m ? d : d - 1, o.due_minute = (uint16_t)m;
                char text[17];
                eventclock_due_text(&o, text);
                printf("%s%s", i ? "、" : "", text);
        }
        printf("%s\n", k->kind == CLOCK_EVERY ? "……直至事件结束（dutyctl close）" : "");
}

/* An event duty's clock phrase (1小时内, 每日续报, 30日内补报): 0, or 1 when it is not one. */
static int explain_event(const Config *c, const char *phrase) {
        EventClock k;
        size_t off;
        const char *msg;
        if (eventrule_parse(phrase, CLOCK_NONE, &k, &off, &msg) < 0) {
                /* Said as an event clock's when it reads like one. */
                static const char *const words[] = {"小时", "分钟", "续报", "补报", "日内", "天内"};
                for (size_t i = 0; i < ELEMENTSOF(words); i++)
                        if (strstr(phrase, words[i])) {
                                print_phrase_error(phrase, off, msg);
                                return -EINVAL;
                        }
                return 1;
        }
        char text[200], canon[40];
        eventrule_describe(&k, text, sizeof(text));
        eventrule_canonical(&k, canon, sizeof(canon));
        printf("%s\n  理解为：%s（事件类职责的时限，自 dutyctl raise 的发生时间起算）\n"
               "  规范写法：%s\n",
               phrase, text, canon);
        print_event_next(c->calendar, &k);
        return 0;
}

static int explain_one(const Config *c, const char *phrase, Day today) {
        int e = explain_event(c, phrase);
        if (e <= 0)
                return e < 0;
        Rule r;
        size_t off;
        const char *msg;
        bool assumed = false;
        int q = rule_parse_phrase_in(phrase, 0, day_to_ymd(today).y, &r, &off, &msg, &assumed);
        if (q == -ENOMEM)
                return out_of_memory();
        if (q < 0) {
                print_phrase_error(phrase, off, msg);
                return 1;
        }
        _cleanup_free_ char *text = rule_explain(&r);
        _cleanup_free_ char *canon = rule_describe(&r);
        printf("%s\n", phrase);
        if (assumed)
                printf(_("  (no year written: read as a one-off date this year, %d; for every year write 每年…)\n"),
                       r.once);
        if (!text || !canon ||
            printf(_("  understood as: %s\n  canonical form: %s\n"), text, canon) < 0 ||
            print_next(c, &r, NULL, today) < 0) {
                rule_done(&r);
                return out_of_memory();
        }
        rule_done(&r);
        return 0;
}

typedef struct ExplainArgs {
        char **phrases;
        int n;
} ExplainArgs;

static int run_explain(Config *c, const void *args) {
        const ExplainArgs *a = args;
        Day today = ctl_today(c);
        int status = 0;
        for (int i = 0; i < a->n; i++) {
                int q = explain_one(c, a->phrases[i], today);
                if (q != 0)
                        status = q;
        }
        return status;
}

static void explain_usage(void) {
        printf(_("Usage: dutyctl explain [-c FILE] [-n N] PHRASE…\n"
                 "Say how each rule phrase is understood and its next N deadlines from today\n"
                 "(default %d, at most %d) on the configuration's holiday data. A phrase that\n"
                 "cannot be read is shown with a caret under the character; exit status 1.\n"),
               EXPLAIN_DEFAULT_NEXT, EXPLAIN_MAX_NEXT);
}

int verb_explain(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"next", required_argument, NULL, 'n'}, {}};
        int o;
        while ((o = getopt_long(argc, argv, "hn:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': explain_usage(); return 0;
                case 'n':
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 1 || v > EXPLAIN_MAX_NEXT) {
                                fprintf(stderr,
                                        _("dutyctl explain: -n takes a whole number from 1 to %d\n"),
                                        EXPLAIN_MAX_NEXT);
                                return EXIT_USAGE;
                        }
                        next_count = (int)v;
                        break;
                default: return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                explain_usage();
                return EXIT_USAGE;
        }
        ExplainArgs a = {argv + optind, argc - optind};
        return ctl_with_config(run_explain, &a);
}

void ctl_explain_duties(const Config *c, Day today) {
        printf(_("\nThe rules of the duties:\n"));
        for (size_t i = 0; i < c->n_duties; i++) {
                const Duty *d = &c->duties[i];
                printf(_("%s (%s)\n"), d->title, d->id);
                if (d->event) {
                        printf(_("  raised by the event %s (dutyctl raise), no fixed date\n"),
                               d->event);
                        for (size_t j = 0; j < d->n_levels; j++)
                                printf("%s%s%s", j ? _(", ") : _("  levels: "), d->levels[j],
                                       j + 1 == d->n_levels ? "\n" : "");
                        if (d->clock.kind != CLOCK_NONE) {
                                char text[200], canon[40];
                                eventrule_describe(&d->clock, text, sizeof(text));
                                eventrule_canonical(&d->clock, canon, sizeof(canon));
                                printf(_("  clock: %s\n  canonical form: %s\n"), text, canon);
                        }
                        continue;
                }
                _cleanup_free_ char *text = rule_explain(&d->rule);
                _cleanup_free_ char *canon = rule_describe(&d->rule);
                if (!text || !canon) {
                        out_of_memory();
                        return;
                }
                _cleanup_free_ char *scope = duty_scope_text(c, d);
                if (!scope) {
                        out_of_memory();
                        return;
                }
                printf(_("  understood as: %s\n  canonical form: %s\n"), text, canon);
                if (*scope)
                        printf(_("  applies: %s (no occurrences outside it)\n"), scope);
                const DutyScope *sc = d->scope ? &c->scopes[d->scope - 1] : NULL;
                if (print_next(c, &d->rule, sc, today) < 0) {
                        out_of_memory();
                        return;
                }
        }
}
