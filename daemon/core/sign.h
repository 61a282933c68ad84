/* sign.h — request signing for the delivery channels (OpenSSL libcrypto).
 * Contract: pure functions of their inputs (the caller passes the timestamp); results are
 * malloc'd NUL-terminated strings; return 0 or a negative errno (-ENOMEM, -EINVAL). Secrets are
 * only read, never copied anywhere but into the HMAC.
 *   DingTalk 加签: sign = base64(HMAC-SHA256(key=secret, msg="<ts_ms>\n<secret>")); goes in the
 *                 query string, URL-encoded exactly once there (+ / = → %2B %2F %3D) by the
 *                 edge, which builds the URL (payload.h: PayloadParam).
 *   Feishu:        sign = base64(HMAC-SHA256(key="<ts_s>\n<secret>", msg="")), not URL-encoded;
 *                 goes in the JSON body next to "timestamp".
 *   Webhook:       header `X-Dutyd-Signature: sha256=<lowercase hex HMAC-SHA256(secret, body)>`. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define SIGN_WEBHOOK_HEADER "X-Dutyd-Signature"

int sign_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     unsigned char out[32]);
/* The SHA-256 of data in lowercase hex (64 digits and a NUL): 0 or -ENOMEM. */
int sign_sha256_hex(const void *data, size_t n, char out[static 65]);
/* Standard base64 (with padding, no line breaks). */
int sign_base64(const void *data, size_t n, char **ret);

int sign_dingtalk(const char *secret, int64_t ts_ms, char **ret);
int sign_feishu(const char *secret, int64_t ts_s, char **ret);
/* Returns "sha256=<hex>" (the header's value). */
int sign_webhook(const char *secret, const void *body, size_t n, char **ret);

/* A secret keyed once, for signing many webhook bodies: OpenSSL's algorithm lookup and the
 * HMAC key setup cost several times what hashing a small body does. Not for several threads. */
typedef struct SignKey SignKey;
int sign_key_new(const char *secret, SignKey **ret);
SignKey *sign_key_free(SignKey *k);
/* sign_webhook() with the key's secret. */
int sign_webhook_key(SignKey *k, const void *body, size_t n, char **ret);
