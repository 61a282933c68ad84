/* phrase.h — the parser of the Chinese phrases the documents use.
 * Contract: pure; rule_parse_phrase() reads a phrase as clerks type it (full-width digits,
 * traditional characters, the duty's own words around the frequency) and either fills a Rule
 * exactly as docs/config.md says, one that passes rule_validate() like its structured form, or
 * returns -EINVAL with the byte offset in the input and a message naming what it did not
 * understand. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "rule.h"

/* Parses a phrase and validates the rule. On error returns -EINVAL, sets *ret_offset (bytes
 * into `s`, at the character as typed) and *ret_msg (static string). */
int rule_parse_phrase(const char *s, Rule *r, size_t *ret_offset, const char **ret_msg);
/* The same with the config key `epoch` given beside the phrase (0 = none): 每2年 needs it. */
int rule_parse_phrase_epoch(const char *s, int epoch, Rule *r, size_t *ret_offset,
                            const char **ret_msg);
/* The same where a date without a year (5月30日前) is a one-off date in `this_year` (0: an
 * error); *ret_year_assumed (may be NULL) says whether one was read, for the caller's warning. */
int rule_parse_phrase_in(const char *s, int epoch, int this_year, Rule *r, size_t *ret_offset,
                         const char **ret_msg, bool *ret_year_assumed);
