/* ctl-ids.c — see ctl-ids.h. */
#include "ctl-ids.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "schedule.h"
#include "i18n.h"
#include "util.h"

/* Occurrences listed: those a clerk records or asks about, from a month back to three ahead. */
#define IDS_PAST_DAYS 31
#define IDS_FUTURE_DAYS 92

typedef enum IdKind {
        IDS_DUTIES,
        IDS_POSTS,
        IDS_PEOPLE,
        IDS_CHANNELS,
        IDS_OCCURRENCES,
        IDS_FEEDS,
        _IDS_MAX
} IdKind;

static const char *const id_kind_names[_IDS_MAX] = {"duties",   "posts",       "people",
                                                    "channels", "occurrences", "feeds"};

static int print_occurrences(const Config *c) {
        Day today = ctl_today(c);
        OccurrenceList l = {0};
        if (schedule_plan(c, today - IDS_PAST_DAYS, today + IDS_FUTURE_DAYS, PLAN_FILTER_ALL, &l) <
            0) {
                occurrence_list_done(&l);
                fprintf(stderr, _("dutyctl: out of memory\n"));
                return 1;
        }
        for (size_t i = 0; i < l.n; i++) {
                char id[OCCURRENCE_ID_MAX];
                occurrence_id(c, &l.items[i], id, sizeof(id));
                puts(id);
        }
        occurrence_list_done(&l);
        return 0;
}

static int run_ids(Config *c, const void *args) {
        IdKind k = *(const IdKind *)args;
        switch (k) {
        case IDS_DUTIES:
                for (size_t i = 0; i < c->n_duties; i++)
                        puts(c->duties[i].id);
                return 0;
        case IDS_POSTS:
                for (size_t i = 0; i < c->n_posts; i++)
                        puts(c->posts[i].id);
                return 0;
        case IDS_PEOPLE:
                for (size_t i = 0; i < c->n_people; i++)
                        puts(c->people[i].id);
                return 0;
        case IDS_CHANNELS:
                for (size_t i = 0; i < c->n_channels; i++)
                        puts(c->channels[i].id);
                return 0;
        case IDS_FEEDS:
                if (c->feeds.overdue)
                        puts("overdue");
                if (c->feeds.summary)
                        puts("summary");
                for (size_t i = 0; i < c->n_posts; i++)
                        printf("post-%s\n", c->posts[i].id);
                for (size_t i = 0; i < c->n_people; i++)
                        printf("person-%s\n", c->people[i].id);
                return 0;
        default: return print_occurrences(c);
        }
}

int verb_ids(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_("Usage: dutyctl ids duties|posts|people|channels|occurrences|feeds\n"
                                 "List the configuration's ids, one a line (for scripts and completion).\n"
                                 "occurrences: the occurrence ids from %d days ago to %d days ahead;\n"
                                 "feeds: the feed names.\n"),
                               IDS_PAST_DAYS, IDS_FUTURE_DAYS);
                        return 0;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, _("dutyctl ids: which kind? (dutyctl ids --help)\n"));
                return EXIT_USAGE;
        }
        for (IdKind k = 0; k < _IDS_MAX; k++)
                if (streq(argv[optind], id_kind_names[k]))
                        return ctl_with_config(run_ids, &k);
        fprintf(stderr, _("dutyctl ids: unknown kind '%s'\n"), argv[optind]);
        return EXIT_USAGE;
}
