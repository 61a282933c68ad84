/* test-phrases.c — the phrase corpus: tests/data/phrases.tsv holds real phrasings from 责任清单
 * and 一岗双责 documents as clerks type them, each with the rule it means (rule_describe's
 * canonical form, which parses back to the same rule) or "ERROR <byte offset>" for a phrase that
 * must be rejected at that character. Lines starting with # are comments. With
 * PHRASES_PRINT=1 the test prints what each phrase parses to, for writing new lines. */
#include "testutil.h"

#include "phrase.h"

static char *corpus_path(void) {
        const char *top = getenv("DUTYD_TOP");
        return strfmt("%s/tests/data/phrases.tsv", top ? top : ".");
}

/* What the phrase means: the canonical description, or "ERROR <offset>". */
static char *meaning(const char *phrase, const char **ret_msg) {
        Rule r;
        size_t off;
        *ret_msg = NULL;
        if (rule_parse_phrase(phrase, &r, &off, ret_msg) < 0)
                return strfmt("ERROR %zu", off);
        char *d = rule_describe(&r);
        assert_non_null(d);
        /* The canonical form is the same rule. */
        Rule back;
        const char *msg;
        if (rule_parse_phrase(d, &back, &off, &msg) < 0)
                fail_msg("'%s': its description '%s' does not parse: %s", phrase, d, msg);
        if (!rule_equal(&r, &back))
                fail_msg("'%s': its description '%s' is another rule", phrase, d);
        rule_done(&back);
        rule_done(&r);
        return d;
}

static void corpus(void **s) {
        (void)s;
        _cleanup_free_ char *path = corpus_path();
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        bool print = getenv("PHRASES_PRINT") != NULL;
        char line[1024];
        unsigned n = 0, bad = 0;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                if (!line[0] || line[0] == '#')
                        continue;
                char *tab = strchr(line, '\t');
                if (tab)
                        *tab++ = 0;
                const char *msg;
                char *got = meaning(line, &msg);
                n++;
                if (print)
                        printf("%s\t%s\t%s\n", line, got, msg ? msg : "");
                else if (!tab || !streq(got, tab)) {
                        printf("# '%s': got '%s' (%s), expected '%s'\n", line, got,
                               msg ? msg : "ok", tab ? tab : "");
                        bad++;
                }
                free(got);
        }
        fclose(f);
        printf("# %u phrasings\n", n);
        assert_int_equal(bad, 0);
        assert_true(n >= 100);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(corpus),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
