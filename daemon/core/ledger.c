/* ledger.c — see ledger.h. */
#include "ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "util.h"

void completion_list_free(Completion *l, size_t n) {
        for (size_t i = 0; l && i < n; i++) {
                Completion *c = &l[i];
                free(c->duty), free(c->post), free(c->person), free(c->period);
                free(c->done_by), free(c->note), free(c->evidence), free(c->source);
                free(c->recorded_by), free(c->files);
        }
        free(l);
}

const char *completion_source_zh(const char *source) {
        static const char *const words[][2] = {
                {"dutyctl", "命令登记"}, {"link", "链接登记"}, {"console", "台账登记"}};
        for (size_t i = 0; source && i < ELEMENTSOF(words); i++)
                if (streq(source, words[i][0]))
                        return words[i][1];
        return source ? source : "";
}

/* One valid completion as the ledger keeps it. */
typedef struct LedgerMark {
        Day date;
        char *by; /* the person id it was recorded for; NULL: none given */
} LedgerMark;

typedef struct LedgerEntry {
        char *key;         /* assignment key */
        LedgerMark *marks; /* by date */
        size_t n, cap;
} LedgerEntry;

struct Ledger {
        LedgerEntry *entries;
        size_t n, cap;
        HashMap by_key; /* key → index in entries */
};

static const LedgerEntry *ledger_find(const Ledger *l, const char *key) {
        size_t i;
        return l && hashmap_get_str(&l->by_key, key, &i) ? &l->entries[i] : NULL;
}

Ledger *ledger_free(Ledger *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                free(l->entries[i].key);
                for (size_t j = 0; j < l->entries[i].n; j++)
                        free(l->entries[i].marks[j].by);
                free(l->entries[i].marks);
        }
        free(l->entries);
        hashmap_done(&l->by_key);
        free(l);
        return NULL;
}

static char *completion_key(const Completion *c) {
        return c->person[0] ? strfmt("%s:%s.%s:%s", c->duty, c->post, c->person, c->period)
                            : strfmt("%s:%s:%s", c->duty, c->post, c->period);
}

/* The entry of `c`'s assignment, added when new. */
static LedgerEntry *ledger_entry(Ledger *l, const Completion *c) {
        _cleanup_free_ char *key = completion_key(c);
        size_t i;
        if (!key)
                return NULL;
        if (hashmap_get_str(&l->by_key, key, &i))
                return &l->entries[i];
        if (ARRAY_GROW(l->entries, l->cap, l->n + 1) < 0)
                return NULL;
        LedgerEntry *e = &l->entries[l->n];
        *e = (LedgerEntry){.key = key};
        if (hashmap_put_str(&l->by_key, key, l->n) < 0)
                return NULL;
        TAKE_PTR(key);
        l->n++;
        return e;
}

int ledger_new(const Completion *v, size_t n, Ledger **ret) {
        Ledger *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                LedgerEntry *e = ledger_entry(l, &v[i]);
                const char *by = v[i].done_by && *v[i].done_by ? v[i].done_by : NULL;
                LedgerMark m = {v[i].date, by ? strdup(by) : NULL};
                if (!e || (by && !m.by) || ARRAY_GROW(e->marks, e->cap, e->n + 1) < 0) {
                        free(m.by);
                        ledger_free(l);
                        return -ENOMEM;
                }
                e->marks[e->n++] = m; /* the list is ordered by date */
        }
        *ret = l;
        return 0;
}

OccState occ_state(const OccStatus *st) {
        if (st->met)
                return st->late ? OCC_MET_LATE : OCC_MET;
        if (st->overdue)
                return OCC_OVERDUE;
        return st->done > 0 ? OCC_PARTIAL : OCC_OPEN;
}

static const char *const occ_state_zh[_OCC_STATE_MAX] = {
        [OCC_OPEN] = "未完成", [OCC_PARTIAL] = "部分完成",  [OCC_OVERDUE] = "逾期未完成",
        [OCC_MET] = "已完成",  [OCC_MET_LATE] = "逾期完成",
};
static const char *const occ_state_key[_OCC_STATE_MAX] = {
        [OCC_OPEN] = "open", [OCC_PARTIAL] = "partial", [OCC_OVERDUE] = "overdue",
        [OCC_MET] = "done",  [OCC_MET_LATE] = "late",
};

const char *occ_status_zh(const OccStatus *st) {
        return occ_state_zh[occ_state(st)];
}

const char *occ_status_key(const OccStatus *st) {
        return occ_state_key[occ_state(st)];
}

void ledger_status(const Ledger *l, const Config *c, const Occurrence *o, Day today,
                   OccStatus *ret) {
        char pid[96] = "";
        if (l && l->n) /* a record nothing was entered in yet: no key to make */
                occurrence_period_id(c, o, pid, sizeof(pid));
        ledger_status_in(l, c, o, pid, today, ret);
}

void ledger_status_in(const Ledger *l, const Config *c, const Occurrence *o, const char *pid,
                      Day today, OccStatus *ret) {
        char key[OCCURRENCE_ID_MAX];
        const LedgerEntry *e = NULL;
        if (l && l->n) { /* the assignment key: "DUTY:POST[.PERSON]:PERIOD" */
                occurrence_key_in(c, o, pid, key, sizeof(key));
                e = ledger_find(l, key);
        }
        size_t total = e ? e->n : 0;
        /* Checkpoints before this one take their completions first. */
        size_t before = (size_t)(o->checkpoint - 1) * o->required;
        size_t done = total > before ? total - before : 0;
        if (done > o->required)
                done = o->required;
        *ret = (OccStatus){.done = (int)done, .required = o->required};
        ret->met = done == o->required;
        if (ret->met) {
                const LedgerMark *m = &e->marks[before + o->required - 1];
                ret->met_on = m->date;
                ret->met_by = m->by;
                ret->late = ret->met_on > o->due;
        } else
                ret->overdue = today > o->due;
}
