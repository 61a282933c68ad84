/* fuzz-phrase.c — libFuzzer harness for the rule phrase parser (rule_parse_phrase, rule_validate,
 * rule_describe, rule_copy, rule_equal).
 * README: `make fuzz` (FUZZ_SECONDS=60) builds build/fuzz/fuzz-phrase with clang
 * -fsanitize=fuzzer,address,undefined and runs it on tests/fuzz/corpus-phrase; replay files once
 * with `build/fuzz/fuzz-phrase FILE...` (tests/test-fuzz-corpus.sh does it for every corpus file).
 *
 * The input is one phrase (bytes up to the first NUL). Checked beyond memory safety: an error
 * points inside the phrase with a message; a phrase that parses and validates has a description
 * that is valid UTF-8 and parses back to the same period, count and deadline. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phrase.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *desc_now; /* the description being checked, for the message */

static void check(int ok, const char *what, const char *phrase) {
        if (ok)
                return;
        fprintf(stderr, "fuzz-phrase: %s: phrase '%s'", what, phrase);
        if (desc_now)
                fprintf(stderr, ", description '%s'", desc_now);
        fputc('\n', stderr);
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;

        Rule r;
        size_t off = SIZE_MAX;
        const char *msg = NULL;
        int q = rule_parse_phrase(s, &r, &off, &msg);
        if (q < 0) {
                check(q == -EINVAL || q == -ENOMEM, "unexpected error code", s);
                if (q == -EINVAL) {
                        check(off <= strlen(s), "error offset outside the phrase", s);
                        check(msg && *msg, "error without a message", s);
                }
                free(s);
                return 0;
        }

        Rule copy;
        if (rule_copy(&copy, &r) == 0) {
                check(rule_equal(&copy, &r), "rule_copy differs from its source", s);
                rule_done(&copy);
        }
        const char *why = rule_validate(&r);
        char *desc = rule_describe(&r);
        desc_now = desc;
        if (desc) {
                check(utf8_valid(desc, strlen(desc)), "description is not UTF-8", s);
                if (!why) {
                        /* The canonical description reads back as the same schedule. */
                        Rule back;
                        size_t boff;
                        const char *bmsg;
                        int bq = rule_parse_phrase(desc, &back, &boff, &bmsg);
                        if (bq != -ENOMEM) {
                                check(bq == 0, "its description does not parse", s);
                                check(back.period == r.period && back.count == r.count &&
                                              back.due_day == r.due_day &&
                                              back.due_month == r.due_month &&
                                              back.after_period == r.after_period &&
                                              back.before_holidays == r.before_holidays,
                                      "description parses to another rule", s);
                                rule_done(&back);
                        }
                }
                free(desc);
        }
        desc_now = NULL;
        rule_done(&r);
        free(s);
        return 0;
}
