/* people.c — see people.h. */
#include "people.h"

#include <errno.h>

#include "util.h"
#include "values.h"

static const KeyDef document_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Document, id), .required = true},
        {.name = "title", .type = F_STR, .off = FIELD(Document, title), .required = true},
        {.name = "number", .type = F_STR, .off = FIELD(Document, number)},
        {.name = "date", .type = F_DATE, .off = FIELD(Document, date)},
};

int parse_document(Loader *L, const YNode *n, size_t idx) {
        Document *d = &L->cfg->documents[idx];
        d->date = DAY_INVALID;
        return parse_map(L, n, document_keys, ELEMENTSOF(document_keys), d, NULL);
}

static const KeyDef post_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Post, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Post, name), .required = true},
        {.name = "escalate_to",
         .type = F_REFLIST,
         .off = FIELD(Post, escalate_to),
         .off_n = FIELD(Post, n_escalate_to),
         .ref = ENT_POST},
};

int parse_post(Loader *L, const YNode *n, size_t idx) {
        return parse_map(L, n, post_keys, ELEMENTSOF(post_keys), &L->cfg->posts[idx], NULL);
}

static const KeyDef tenure_keys[] = {
        {.name = "post",
         .type = F_REF,
         .off = FIELD(Tenure, post),
         .required = true,
         .ref = ENT_POST},
        {.name = "from", .type = F_DATE, .off = FIELD(Tenure, from)},
        {.name = "until", .type = F_DATE, .off = FIELD(Tenure, until)},
};

static int parse_tenures(Loader *L, const YNode *n, void *obj) {
        Person *p = obj;
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        Tenure *v = list_new(L, n, sizeof(Tenure), &items, &cnt);
        if (!v)
                return -ENOMEM;
        p->tenures = v, p->n_tenures = 0;
        int r = 0;
        for (size_t i = 0; i < cnt; i++) {
                Tenure t = {.from = DAY_INVALID, .until = DAY_MAX};
                if (items[i]->type == Y_SCALAR) {
                        if (resolve_id(L, items[i], ENT_POST, &t.post) < 0) {
                                r = -EINVAL;
                                continue;
                        }
                } else {
                        if (parse_map(L, items[i], tenure_keys, ELEMENTSOF(tenure_keys), &t, NULL) <
                            0) {
                                r = -EINVAL;
                                continue;
                        }
                        if (t.from != DAY_INVALID && t.until != DAY_MAX && t.until < t.from) {
                                r = err_at(L, items[i], "'until' is before 'from'");
                                continue;
                        }
                }
                v[p->n_tenures++] = t;
        }
        return r;
}

static const KeyDef person_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Person, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Person, name), .required = true},
        {.name = "email", .type = F_STR, .off = FIELD(Person, email)},
        {.name = "mobile", .type = F_STR, .off = FIELD(Person, mobile)},
        {.name = "channels",
         .type = F_REFLIST,
         .off = FIELD(Person, channels),
         .off_n = FIELD(Person, n_channels),
         .ref = ENT_CHANNEL},
        {.name = "posts", .type = F_CUSTOM, .custom = parse_tenures},
};

static int check_person(Loader *L, const YNode *n, Person *p) {
        int r = 0;
        if (p->email && !email_valid(p->email))
                r = err_at(L, ytree_get(L->t, n, "email"), "invalid email address '%s'", p->email);
        if (p->mobile && !mobile_valid(p->mobile))
                r = err_at(L, ytree_get(L->t, n, "mobile"),
                           "invalid mobile number '%s' (11 digits starting with 1)", p->mobile);
        return r;
}

int parse_person(Loader *L, const YNode *n, size_t idx) {
        Person *p = &L->cfg->people[idx];
        int r = parse_map(L, n, person_keys, ELEMENTSOF(person_keys), p, NULL);
        return r < 0 ? r : check_person(L, n, p);
}
