/* sign.c — see sign.h. */
#include "sign.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int sign_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     unsigned char out[32]) {
        unsigned int len = 0;
        static const unsigned char empty[1];
        if (key_len > INT32_MAX)
                return -EINVAL;
        if (!HMAC(EVP_sha256(), key, (int)key_len, msg_len ? msg : empty, msg_len, out, &len) ||
            len != 32)
                return -EIO;
        return 0;
}

int sign_base64(const void *data, size_t n, char **ret) {
        if (n > INT32_MAX / 2)
                return -EINVAL;
        char *s = malloc(4 * ((n + 2) / 3) + 1);
        if (!s)
                return -ENOMEM;
        EVP_EncodeBlock((unsigned char *)s, data, (int)n);
        *ret = s;
        return 0;
}

int sign_urlencode(const char *s, char **ret) {
        /* libcurl escapes all but the RFC 3986 unreserved characters, as DingTalk expects. */
        char *e = curl_easy_escape(NULL, s, 0);
        if (!e)
                return -ENOMEM;
        *ret = strdup(e);
        curl_free(e);
        return *ret ? 0 : -ENOMEM;
}

int sign_dingtalk(const char *secret, int64_t ts_ms, char **ret) {
        unsigned char mac[32];
        if (!secret)
                return -EINVAL;
        _cleanup_free_ char *msg = strfmt("%" PRId64 "\n%s", ts_ms, secret);
        if (!msg)
                return -ENOMEM;
        int r = sign_hmac_sha256(secret, strlen(secret), msg, strlen(msg), mac);
        if (r < 0)
                return r;
        _cleanup_free_ char *b64 = NULL;
        r = sign_base64(mac, sizeof mac, &b64);
        if (r < 0)
                return r;
        return sign_urlencode(b64, ret);
}

int sign_feishu(const char *secret, int64_t ts_s, char **ret) {
        unsigned char mac[32];
        if (!secret)
                return -EINVAL;
        _cleanup_free_ char *key = strfmt("%" PRId64 "\n%s", ts_s, secret);
        if (!key)
                return -ENOMEM;
        int r = sign_hmac_sha256(key, strlen(key), "", 0, mac);
        if (r < 0)
                return r;
        return sign_base64(mac, sizeof mac, ret);
}

int sign_webhook(const char *secret, const void *body, size_t n, char **ret) {
        static const char hex[] = "0123456789abcdef";
        unsigned char mac[32];
        if (!secret)
                return -EINVAL;
        int r = sign_hmac_sha256(secret, strlen(secret), body, n, mac);
        if (r < 0)
                return r;
        char *s = malloc(7 + 64 + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, "sha256=", 7);
        for (size_t i = 0; i < 32; i++) {
                s[7 + 2 * i] = hex[mac[i] >> 4];
                s[8 + 2 * i] = hex[mac[i] & 15];
        }
        s[71] = 0;
        *ret = s;
        return 0;
}
