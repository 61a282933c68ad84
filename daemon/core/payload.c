/* payload.c — see payload.h. */
#include "payload.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "sign.h"
#include "util.h"

const char *delivery_result_to_string(DeliveryResult r) {
        static const char *const names[] = {"ok", "retry", "resign", "permanent"};
        return (unsigned)r < ELEMENTSOF(names) ? names[r] : "?";
}

void payload_request_done(PayloadRequest *r) {
        if (!r)
                return;
        free(r->url);
        for (size_t i = 0; i < r->n_query; i++)
                free(r->query[i].value);
        free(r->body);
        free(r->signature);
        *r = (PayloadRequest){0};
}

static const char *sec(const Secret *s) {
        return s->value && *s->value ? s->value : NULL;
}

/* Appends a query parameter; `value` taken over (NULL: out of memory). */
static int query_add(PayloadRequest *req, const char *name, char *value) {
        if (!value)
                return -ENOMEM;
        if (req->n_query == PAYLOAD_QUERY_MAX) {
                free(value);
                return -EINVAL;
        }
        req->query[req->n_query++] = (PayloadParam){.name = name, .value = value};
        return 0;
}

/* DingTalk: access_token=KEY, and with a secret timestamp=MS&sign=SIGN. */
static int dingtalk_query(const Channel *ch, int64_t now_ms, PayloadRequest *req) {
        int r = 0;
        if (sec(&ch->key))
                r = query_add(req, "access_token", strdup(ch->key.value));
        if (r < 0 || !sec(&ch->secret))
                return r;
        char *sig = NULL;
        r = sign_dingtalk(ch->secret.value, now_ms, &sig);
        if (r < 0)
                return r;
        r = query_add(req, "timestamp", strfmt("%" PRId64, now_ms));
        if (r < 0) {
                free(sig);
                return r;
        }
        return query_add(req, "sign", sig);
}

/* The request's URL: the base, and the query parameters to append (in req). */
static int build_url(const Channel *ch, int64_t now_ms, PayloadRequest *req) {
        const char *base = ch->url;
        int r = 0;
        switch (ch->type) {
        case CHANNEL_WECOM:
                base = base ? base : "https://qyapi.weixin.qq.com/cgi-bin/webhook/send";
                if (sec(&ch->key))
                        r = query_add(req, "key", strdup(ch->key.value));
                break;
        case CHANNEL_DINGTALK:
                base = base ? base : "https://oapi.dingtalk.com/robot/send";
                r = dingtalk_query(ch, now_ms, req);
                break;
        case CHANNEL_FEISHU:
                base = base ? base : "https://open.feishu.cn/open-apis/bot/v2/hook/";
                if (sec(&ch->key)) {
                        size_t l = strlen(base);
                        req->url = strfmt("%s%s%s", base, l && base[l - 1] == '/' ? "" : "/",
                                          ch->key.value);
                        return req->url ? 0 : -ENOMEM;
                }
                break;
        case CHANNEL_WEBHOOK:
                if (!base)
                        return -EINVAL;
                break;
        default: return -EINVAL;
        }
        if (r < 0)
                return r;
        req->url = strdup(base);
        return req->url ? 0 : -ENOMEM;
}

static json_t *mobiles_of(const json_t *content) {
        json_t *m = json_object_get(content, "mentions");
        return json_is_array(m) ? json_deep_copy(m) : json_array();
}

char *payload_webhook_body(const char *delivery_id, const char *channel_id, const char *kind,
                           json_t *items, const char *text) {
        items = json_is_array(items) ? json_incref(items) : json_array();
        json_auto_t *body =
                json_pack("{s:i, s:s, s:s, s:s, s:o, s:s}", "version", 1, "delivery_id",
                          delivery_id, "channel", channel_id, "kind", kind ? kind : "other",
                          "items", items, "text", text ? text : "");
        return body ? json_dumps(body, JSON_COMPACT) : NULL;
}

/* `body` taken over: freed with the request, also on failure. */
static int webhook_request(const Channel *ch, SignKey *key, char *body, PayloadRequest *ret) {
        PayloadRequest req = {.content_type = "Content-Type: application/json; charset=utf-8",
                              .body = body};
        if (!body)
                return -ENOMEM;
        int r = ch->type == CHANNEL_WEBHOOK ? build_url(ch, 0, &req) : -EINVAL;
        if (r >= 0 && key)
                r = sign_webhook_key(key, req.body, strlen(req.body), &req.signature);
        else if (r >= 0 && sec(&ch->secret))
                r = sign_webhook(ch->secret.value, req.body, strlen(req.body), &req.signature);
        if (r < 0) {
                payload_request_done(&req);
                return r;
        }
        *ret = req;
        return 0;
}

int payload_build_webhook(const Channel *ch, SignKey *key, const char *body, PayloadRequest *ret) {
        return webhook_request(ch, key, strdup(body), ret);
}

/* Feishu's signature fields, with a secret: "timestamp" (seconds) and "sign". */
static int feishu_sign(const Channel *ch, int64_t now_ms, json_t *body) {
        int64_t ts = now_ms / 1000;
        _cleanup_free_ char *sig = NULL, *tss = strfmt("%" PRId64, ts);
        if (!tss)
                return -ENOMEM;
        int r = sign_feishu(ch->secret.value, ts, &sig);
        if (r < 0)
                return r;
        if (json_object_set_new(body, "timestamp", json_string(tss)) < 0 ||
            json_object_set_new(body, "sign", json_string(sig)) < 0)
                return -ENOMEM;
        return 0;
}

/* The JSON body of a robot (WeCom, DingTalk, Feishu) message. */
static int robot_body(const Channel *ch, const json_t *content, const char *text, int64_t now_ms,
                      char **ret) {
        json_auto_t *body = NULL;
        switch (ch->type) {
        case CHANNEL_WECOM:
                body = json_pack("{s:s, s:{s:s, s:o}}", "msgtype", "text", "text", "content", text,
                                 "mentioned_mobile_list", mobiles_of(content));
                break;
        case CHANNEL_DINGTALK:
                body = json_pack("{s:s, s:{s:s}, s:{s:o, s:[], s:b}}", "msgtype", "text", "text",
                                 "content", text, "at", "atMobiles", mobiles_of(content),
                                 "atUserIds", "isAtAll", 0);
                break;
        case CHANNEL_FEISHU:
                body = json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content", "text", text);
                if (body && sec(&ch->secret)) {
                        int r = feishu_sign(ch, now_ms, body);
                        if (r < 0)
                                return r;
                }
                break;
        default: return -EINVAL;
        }
        if (!body || !(*ret = json_dumps(body, JSON_COMPACT)))
                return -ENOMEM;
        return 0;
}

int payload_build(const Channel *ch, const char *delivery_id, const json_t *content, int64_t now_ms,
                  PayloadRequest *ret) {
        PayloadRequest req = {.content_type = "Content-Type: application/json; charset=utf-8"};
        const char *text = json_string_value(json_object_get(content, "text"));
        if (!text)
                return -EINVAL;
        if (ch->type == CHANNEL_WEBHOOK) {
                char *b = payload_webhook_body(delivery_id, ch->id,
                                               json_string_value(json_object_get(content, "kind")),
                                               json_object_get(content, "items"), text);
                return webhook_request(ch, NULL, b, ret);
        }
        int r = build_url(ch, now_ms, &req);
        if (r >= 0)
                r = robot_body(ch, content, text, now_ms, &req.body);
        if (r < 0) {
                payload_request_done(&req);
                return r;
        }
        *ret = req;
        return 0;
}

/* The vendors' codes (delivery-anchors.md §1). `needle` ('|'-separated, case-insensitive)
 * must occur in the vendor's message for the row to apply; NULL matches any message. */
static const struct {
        ChannelType type;
        long code;
        const char *needle;
        DeliveryResult result;
        const char *zh;
} code_table[] = {
        {CHANNEL_WECOM, -1, NULL, DELIVERY_RETRY, "企业微信系统繁忙"},
        {CHANNEL_WECOM, 45009, NULL, DELIVERY_RETRY, "发送频率超限（每分钟20条）"},
        {CHANNEL_WECOM, 93000, NULL, DELIVERY_PERMANENT,
         "机器人 key 无效（key 只填 key= 后面的部分）"},
        {CHANNEL_DINGTALK, 130101, NULL, DELIVERY_RETRY,
         "发送太快，超过每分钟20条（机器人被限流10分钟）"},
        {CHANNEL_DINGTALK, 310000, "timestamp|时间戳", DELIVERY_RESIGN,
         "时间戳无效（请检查服务器时间）"},
        {CHANNEL_DINGTALK, 310000, "sign|签名", DELIVERY_RESIGN, "加签不匹配（请检查 secret）"},
        {CHANNEL_DINGTALK, 310000, "keyword|关键词", DELIVERY_PERMANENT,
         "消息不含机器人设置的自定义关键词"},
        {CHANNEL_DINGTALK, 310000, "ip|whitelist|白名单", DELIVERY_PERMANENT,
         "本机 IP 不在机器人白名单中"},
        {CHANNEL_DINGTALK, 310000, NULL, DELIVERY_PERMANENT, "机器人安全设置校验失败"},
        {CHANNEL_DINGTALK, 300001, NULL, DELIVERY_PERMANENT,
         "access_token 不存在（只填 token，不要填整个地址）"},
        {CHANNEL_DINGTALK, 300005, NULL, DELIVERY_PERMANENT, "机器人不能发往外部群"},
        {CHANNEL_DINGTALK, 460101, NULL, DELIVERY_PERMANENT, "消息体超过20000字节"},
        {CHANNEL_FEISHU, 11232, NULL, DELIVERY_RETRY, "发送频率超限"},
        {CHANNEL_FEISHU, 9499, "too many", DELIVERY_RETRY, "发送频率超限"},
        {CHANNEL_FEISHU, 9499, NULL, DELIVERY_PERMANENT, "请求格式错误或超过20KB"},
        {CHANNEL_FEISHU, 19021, NULL, DELIVERY_RESIGN, "签名校验失败或时间戳与服务器相差超过1小时"},
        {CHANNEL_FEISHU, 19022, NULL, DELIVERY_PERMANENT, "本机 IP 不在机器人白名单中"},
        {CHANNEL_FEISHU, 19024, NULL, DELIVERY_PERMANENT, "消息不含机器人设置的关键词"},
};

static bool needle_match(const char *needles, const char *msg) {
        if (!needles)
                return true;
        if (!msg)
                return false;
        const char *p = needles;
        while (*p) {
                const char *e = strchr(p, '|');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                for (const char *m = msg; *m; m++)
                        if (strncasecmp(m, p, l) == 0)
                                return true;
                p += l + (e ? 1 : 0);
        }
        return false;
}

/* Copies `in` to `out` with every configured secret of `ch` replaced by "***". */
static void payload_scrub(const Channel *ch, const char *in, char *out, size_t out_len) {
        const char *secrets[3] = {ch ? sec(&ch->key) : NULL, ch ? sec(&ch->secret) : NULL,
                                  ch ? sec(&ch->password) : NULL};
        size_t o = 0;
        if (!out_len)
                return;
        for (const char *p = in ? in : ""; *p && o + 1 < out_len;) {
                bool hit = false;
                for (size_t i = 0; i < ELEMENTSOF(secrets); i++) {
                        size_t l = secrets[i] ? strlen(secrets[i]) : 0;
                        if (l >= 4 && strncmp(p, secrets[i], l) == 0) {
                                for (const char *s = "***"; *s && o + 1 < out_len; s++)
                                        out[o++] = *s;
                                p += l;
                                hit = true;
                                break;
                        }
                }
                if (!hit)
                        out[o++] = *p++;
        }
        /* Do not end inside a UTF-8 sequence. */
        out[o] = 0;
        out[utf8_truncate(out, o)] = 0;
}

static bool status_retryable(long s) {
        return s == 0 || s == 408 || s == 425 || s == 429 || s >= 500;
}

/* Codes after which the vendor blocks the whole robot for a while (seconds). */
static const struct {
        ChannelType type;
        long code;
        int seconds;
} pause_table[] = {
        {CHANNEL_DINGTALK, 130101, 600},
};

/* The robot's code and message (scrubbed) from its answer; false when there is no code. */
static bool answer_code(const Channel *ch, const char *body, size_t body_len, long *code,
                        char vendor[static PAYLOAD_VENDOR_MAX + 1]) {
        bool have_code = false;
        vendor[0] = 0;
        if (ch->type == CHANNEL_WEBHOOK || !body || !body_len)
                return false;
        json_auto_t *j = json_loadb(body, body_len, 0, NULL);
        if (json_is_object(j)) {
                json_t *c = json_object_get(j, ch->type == CHANNEL_FEISHU ? "code" : "errcode");
                if (!c && ch->type == CHANNEL_FEISHU)
                        c = json_object_get(j, "StatusCode");
                if (json_is_integer(c)) {
                        *code = (long)json_integer_value(c);
                        have_code = true;
                }
                const char *m = json_string_value(
                        json_object_get(j, ch->type == CHANNEL_FEISHU ? "msg" : "errmsg"));
                if (!m)
                        m = json_string_value(json_object_get(j, "StatusMessage"));
                if (m)
                        payload_scrub(ch, m, vendor, PAYLOAD_VENDOR_MAX + 1);
        }
        return have_code;
}

int payload_pause_seconds(const Channel *ch, long http_status, const char *body, size_t body_len) {
        char vendor[PAYLOAD_VENDOR_MAX + 1];
        long code = 0;
        if (http_status == 0 || !answer_code(ch, body, body_len, &code, vendor) || code == 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(pause_table); i++)
                if (pause_table[i].type == ch->type && pause_table[i].code == code)
                        return pause_table[i].seconds;
        return 0;
}

DeliveryResult payload_classify(const Channel *ch, long http_status, const char *body,
                                size_t body_len, char *err, size_t err_len) {
        char vendor[PAYLOAD_VENDOR_MAX + 1] = "";
        DeliveryResult res;
        const char *zh = NULL;
        long code = 0;

        if (http_status == 0) {
                snprintf(err, err_len, "无法连接或无应答");
                return DELIVERY_RETRY;
        }
        bool have_code = answer_code(ch, body, body_len, &code, vendor);

        if (have_code && code == 0 && http_status >= 200 && http_status < 300) {
                snprintf(err, err_len, "成功");
                return DELIVERY_OK;
        }
        if (have_code && code != 0) {
                for (size_t i = 0; i < ELEMENTSOF(code_table); i++)
                        if (code_table[i].type == ch->type && code_table[i].code == code &&
                            needle_match(code_table[i].needle, vendor)) {
                                snprintf(err, err_len, "HTTP %ld，错误码 %ld：%s（%s）",
                                         http_status, code, code_table[i].zh, vendor);
                                return code_table[i].result;
                        }
                res = status_retryable(http_status) ? DELIVERY_RETRY : DELIVERY_PERMANENT;
                snprintf(err, err_len, "HTTP %ld，未知错误码 %ld（%s）", http_status, code, vendor);
                return res;
        }
        if (http_status >= 200 && http_status < 300) {
                if (ch->type == CHANNEL_WEBHOOK) {
                        snprintf(err, err_len, "成功");
                        return DELIVERY_OK;
                }
                /* A robot answered 200 without a code: not confirmed, try again later. */
                snprintf(err, err_len, "HTTP %ld，但应答中没有错误码，无法确认送达", http_status);
                return DELIVERY_RETRY;
        }
        if (http_status == 429)
                zh = "请求过于频繁";
        else if (http_status >= 500)
                zh = "接收方服务器错误";
        else if (status_retryable(http_status))
                zh = "接收方暂时不可用";
        else
                zh = "请求被拒绝";
        res = status_retryable(http_status) ? DELIVERY_RETRY : DELIVERY_PERMANENT;
        snprintf(err, err_len, "HTTP %ld：%s", http_status, zh);
        return res;
}
