/* sign.c — see sign.h. */
#include "sign.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
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
        return sign_base64(mac, sizeof mac, ret);
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

/* "sha256=<hex>" */
static int webhook_header(const unsigned char mac[32], char **ret) {
        static const char hex[] = "0123456789abcdef";
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

int sign_webhook(const char *secret, const void *body, size_t n, char **ret) {
        unsigned char mac[32];
        if (!secret)
                return -EINVAL;
        int r = sign_hmac_sha256(secret, strlen(secret), body, n, mac);
        return r < 0 ? r : webhook_header(mac, ret);
}

struct SignKey {
        EVP_MAC_CTX *ctx; /* keyed; each use starts it afresh with the same key */
};

int sign_key_new(const char *secret, SignKey **ret) {
        OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                OSSL_PARAM_construct_end()};
        if (!secret)
                return -EINVAL;
        SignKey *k = calloc(1, sizeof *k);
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (k && mac)
                k->ctx = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac); /* the context holds its own reference */
        if (!k || !k->ctx) {
                sign_key_free(k);
                return -ENOMEM;
        }
        if (!EVP_MAC_init(k->ctx, (const unsigned char *)secret, strlen(secret), params)) {
                sign_key_free(k);
                return -EIO;
        }
        *ret = k;
        return 0;
}

SignKey *sign_key_free(SignKey *k) {
        if (k) {
                EVP_MAC_CTX_free(k->ctx);
                free(k);
        }
        return NULL;
}

int sign_webhook_key(SignKey *k, const void *body, size_t n, char **ret) {
        unsigned char mac[32];
        size_t len = 0;
        /* A NULL key restarts the context with the key it has (OpenSSL's HMAC). */
        if (!EVP_MAC_init(k->ctx, NULL, 0, NULL) || !EVP_MAC_update(k->ctx, body, n) ||
            !EVP_MAC_final(k->ctx, mac, &len, sizeof mac) || len != sizeof mac)
                return -EIO;
        return webhook_header(mac, ret);
}

int sign_sha256_hex(const void *data, size_t n, char out[static 65]) {
        unsigned char md[32];
        unsigned len = 0;
        if (EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) != 1 || len != sizeof(md))
                return -ENOMEM;
        for (size_t i = 0; i < sizeof(md); i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
        return 0;
}
