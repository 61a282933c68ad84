/* values.c — see values.h. */
#include "values.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "i18n.h"
#include "util.h"

bool id_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > MAX_ID_LEN ||
            !(isdigit((unsigned char)s[0]) || islower((unsigned char)s[0])))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
                      s[i] == '-'))
                        return false;
        return true;
}

bool email_valid(const char *s) {
        const char *at = strchr(s, '@');
        if (!at || at == s || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.'))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p <= ' ' || strchr("<>\",;()[]\\", *p))
                        return false;
        return true;
}

bool mobile_valid(const char *s) {
        if (strlen(s) != 11 || s[0] != '1')
                return false;
        for (const char *p = s; *p; p++)
                if (!isdigit((unsigned char)*p))
                        return false;
        return true;
}

static bool has_control_or_space(const char *s) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= ' ' || *p == 0x7f)
                        return true;
        return false;
}

/* scheme://HOST[...] with one of `schemes`, a non-empty host, no spaces or control characters;
 * `wrong` says what is expected otherwise. */
static const char *check_url_scheme(const char *s, const char *const *schemes, const char *wrong) {
        if (has_control_or_space(s))
                return N_("a URL cannot contain spaces or control characters");
        for (const char *const *sc = schemes; *sc; sc++) {
                size_t n = strlen(*sc);
                if (strncmp(s, *sc, n) == 0)
                        return s[n] && !strchr("/:?#", s[n]) ? NULL : N_("the URL has no host");
        }
        return wrong;
}

const char *check_http_url(const char *s) {
        static const char *const http[] = {"https://", "http://", NULL};
        return check_url_scheme(s, http, N_("must be an http:// or https:// URL"));
}

const char *check_any_url(const char *s) {
        static const char *const any[] = {"https://", "http://", "smtps://", "smtp://", NULL};
        return check_url_scheme(s, any,
                                N_("must start with https:// (or http://, smtp://, smtps://)"));
}

const char *check_header_text(const char *s) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < ' ' || *p == 0x7f)
                        return N_("cannot contain line breaks or control characters");
        return NULL;
}

const char *check_listen(const char *s) {
        const char *colon = strrchr(s, ':');
        if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
            strlen(colon + 1) > 5 || atoi(colon + 1) > 65535)
                return N_("expected HOST:PORT, [IPV6]:PORT or :PORT (port 0-65535)");
        size_t hl = (size_t)(colon - s);
        if (hl == 0)
                return NULL;
        char host[256];
        if (hl >= sizeof(host))
                return N_("host name too long");
        memcpy(host, s, hl);
        host[hl] = 0;
        unsigned char buf[16];
        if (host[0] == '[') {
                if (hl < 3 || host[hl - 1] != ']')
                        return N_("expected [IPV6]:PORT");
                host[hl - 1] = 0;
                return inet_pton(AF_INET6, host + 1, buf) == 1 ? NULL : N_("not an IPv6 address");
        }
        if (inet_pton(AF_INET, host, buf) == 1)
                return NULL;
        return strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
                               hl
                       ? NULL
                       : N_("not a host name or IPv4 address");
}

const char *check_ca_file(const char *s) {
        if (s[0] != '/')
                return N_("must be an absolute path");
        _cleanup_fclose_ FILE *f = fopen(s, "re");
        struct stat st;
        if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode))
                return N_("cannot be read (a PEM file of CA certificates)");
        /* The PEM marker in the first lines; the certificates themselves are OpenSSL's to read,
         * at the first connection. */
        char line[256];
        for (int i = 0; i < 64 && fgets(line, sizeof(line), f); i++)
                if (strstr(line, "-----BEGIN CERTIFICATE-----"))
                        return NULL;
        return N_("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
}
