/* values.h — checks of single config values: what run time would reject, rejected at load.
 * Contract: pure functions of a NUL-terminated string, no I/O. The check_* ones are CheckFn of
 * keys.h: NULL when the value is fine, else what is wrong with it (a static string). */
#pragma once
#include <stdbool.h>

/* 1 to MAX_ID_LEN (config.h) of a-z 0-9 _ -, starting with a letter or digit. */
bool id_valid(const char *s);
/* user@host.domain, nothing a mail header would need to quote. */
bool email_valid(const char *s);
/* A Chinese mobile number: 11 digits starting with 1. */
bool mobile_valid(const char *s);

const char *check_http_url(const char *s); /* http:// or https:// with a host */
const char *check_any_url(const char *s);  /* those, or smtp:// or smtps:// */
/* An absolute path to a readable regular file that holds a PEM certificate. */
const char *check_ca_file(const char *s);
/* A header value: no line breaks (they would end the header and break every mail). */
const char *check_header_text(const char *s);
/* "HOST:PORT", "[V6]:PORT" or ":PORT" (as httpd.c binds it), port 0-65535. */
const char *check_listen(const char *s);
