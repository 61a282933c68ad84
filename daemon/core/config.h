/* config.h — the configuration model: what a loaded config holds, its defaults and limits, and the
 * lookups every layer uses. Pure: no I/O (daemon/config/load.h reads a config from YAML).
 * Contract: a Config comes whole from config_load() (load.h) and is immutable afterwards, shared
 * read-only by the engine, feeds and delivery; a reload builds a new one. All cross references
 * (post ids, document ids, channel ids) are resolved to indices. Every string and small array
 * of a Config lives in its pool (pool.h) and is freed with it by config_free(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "calendar.h"
#include "date.h"
#include "eventrule.h"
#include "rule.h"

/* The defaults of the config's keys (docs/config.md), each defined here only: the loader
 * fills them in, and whoever needs one for a Config built otherwise takes it from here. */
#define DEFAULT_TIMEZONE "Asia/Shanghai"
/* The address of units/dutyd.socket: a daemon started without the socket listens there too. */
#define DEFAULT_LISTEN "127.0.0.1:8027"
/* `holidays:`: beside the main file, else the copy installed in DUTYD_DATADIR. */
#define DEFAULT_HOLIDAYS "holidays-cn.yaml"
extern const int default_reminder_before[3]; /* days before the deadline */
#define DEFAULT_REMINDER_TIME (9 * 60)       /* minute of the day: 09:00 */
#define DEFAULT_ESCALATE_AFTER 3             /* working days */
#define DEFAULT_FEEDS_PAST_DAYS 31
#define DEFAULT_FEEDS_FUTURE_DAYS 366
#define DEFAULT_FEEDS_REFRESH_MINUTES 360
#define DEFAULT_FEEDS_MAX_EVENTS 500
/* The feed server's limits (server.*): 40 addresses at the per-address limit leave room. */
#define DEFAULT_SERVER_MAX_CONNECTIONS 512
#define DEFAULT_SERVER_PER_IP_CONNECTIONS 8
#define DEFAULT_SERVER_TIMEOUT 30        /* seconds without progress */
#define DEFAULT_SERVER_HEADER_TIMEOUT 10 /* seconds for a request's headers, in all */
#define DEFAULT_CHANNEL_TIMEOUT 15       /* seconds a request */
#define DEFAULT_HEARTBEAT_INTERVAL 300   /* seconds between pings */
#define DEFAULT_CHANNEL_GIVE_UP_HOURS 24

/* Limits. An id (post, person, duty …): 1 to MAX_ID_LEN of a-z 0-9 _ -; occurrence ids, calendar
 * UIDs and the state are keyed on ids. */
#define MAX_ID_LEN 64
/* People holding one post (over all their tenures): a config with more is rejected, so that
 * no one is ever silently left out of a reminder, a feed or a report. Callers size their
 * holder arrays with it. */
#define MAX_POST_HOLDERS 64

/* One byte (packed): see Duty. */
typedef enum __attribute__((packed)) DutyKind {
        KIND_MEETING,
        KIND_INSPECTION,
        KIND_REPORT,
        KIND_DRILL,
        KIND_STUDY,
        KIND_OTHER,
        _KIND_MAX,
} DutyKind;

extern const char *const duty_kind_names[_KIND_MAX]; /* "meeting" …, as the config writes them */
const char *duty_kind_to_string(DutyKind k);         /* "meeting" … */
const char *duty_kind_to_zh(DutyKind k);             /* 会议 检查 报告 演练 学习 其他 */

typedef struct Document {
        char *id, *title, *number;
        Day date; /* DAY_INVALID if unset */
} Document;

typedef struct Post {
        char *id, *name;
        size_t *escalate_to; /* post indices */
        size_t n_escalate_to;
} Post;

typedef struct Tenure {
        size_t post;     /* post index */
        Day from, until; /* inclusive; DAY_INVALID / DAY_MAX when open */
} Tenure;

/* One tenure seen from its post (Config.holders index). */
typedef struct PostTenure {
        uint32_t person;
        Day from, until;
} PostTenure;

typedef struct Person {
        char *id, *name, *email, *mobile;
        Tenure *tenures;
        size_t n_tenures;
        size_t *channels; /* channel indices */
        size_t n_channels;
} Person;

/* Narrow fields: every duty holds one (issue #10's peak RSS; the key tables check the ranges). */
typedef struct ReminderPolicy {
        int *before;            /* days before the deadline (0–366), descending, unique */
        uint16_t n_before;      /* so at most 367 */
        int16_t minute_of_day;  /* 540 = 09:00 */
        int16_t escalate_after; /* working days; 0 = never */
        bool overdue;
} ReminderPolicy;

/* Where a duty applies: a plan's years (from/until) and a season each year (汛期 6月1日至9月30日,
 * or the holidays: 节假日期间). A checkpoint owed on a day outside it does not exist. */
typedef enum SeasonKind {
        SEASON_NONE,
        SEASON_DAYS,     /* season_from … season_until each year, maybe across the year end */
        SEASON_HOLIDAYS, /* the days off of the holidays in the data (节假日期间) */
} SeasonKind;

typedef struct DutyScope {
        Day from, until; /* DAY_INVALID: open */
        SeasonKind season;
        int season_from, season_until; /* SEASON_DAYS: month * 100 + day, e.g. 601 and 930 */
        char *season_name;             /* 汛期 (pool); NULL */
} DutyScope;

/* A shift (班次) of the organisation: daily rules with 班前/班后 have one checkpoint per shift. */
typedef struct Shift {
        char *name;     /* 白班 (pool) */
        int start, end; /* minutes of the day; end <= start: the shift ends the next day */
} Shift;

/* A school term (学期) of the configuration, for 每学期 rules: terms are in date order and do not
 * overlap; the days between them belong to none. */
typedef struct Term {
        char *name; /* 2026年秋季学期 (pool) */
        Day from, until;
} Term;

/* A config holds 100,000s of duties (issue #10's peak RSS): the small fields come last, where
 * they share the padding. */
typedef struct Duty {
        char *id, *title, *clause, *note, *event;
        size_t *posts; /* post indices */
        size_t n_posts;
        ssize_t document; /* -1 if none */
        Rule rule;        /* unused when event != NULL */
        EventClock clock; /* event duties: the deadline counted from the event (eventrule.h) */
        char **levels;    /* event duties: the severity levels it applies to; none = all */
        size_t n_levels;
        ReminderPolicy reminders;
        unsigned hash; /* FNV-1a of the duty's own settings, for feed SEQUENCE */
        DutyKind kind;
        bool per_holder;
        /* 1 + index into Config.scopes (interned: duties with the same from/until/season share
         * one); 0: every day */
        uint16_t scope;
} Duty;

typedef enum ChannelType {
        CHANNEL_WECOM,
        CHANNEL_DINGTALK,
        CHANNEL_FEISHU,
        CHANNEL_WEBHOOK,
        CHANNEL_SMTP,
        _CHANNEL_MAX,
} ChannelType;

extern const char *const channel_type_names[_CHANNEL_MAX]; /* "wecom" … */
const char *channel_type_to_string(ChannelType t);

/* A secret is named, never written in the YAML: read from `file`, or from the systemd
 * credential `credential` in $CREDENTIALS_DIRECTORY. The loader checks it can be read and keeps
 * the value (never printed). */
typedef struct Secret {
        char *file, *credential;
        char *value; /* NUL-terminated, trailing newline removed; NULL if not configured */
        char *where; /* FILE:LINE:COLUMN of the setting, for error messages */
} Secret;

typedef struct Channel {
        char *id, *name;
        ChannelType type;
        char *url;       /* wecom/dingtalk/feishu: full robot URL or base; webhook: endpoint;
                       smtp: smtp://host:587 or smtps://host:465 */
        Secret key;      /* wecom key, dingtalk access_token, feishu hook token (if not in url) */
        Secret secret;   /* dingtalk/feishu signing secret, webhook HMAC secret */
        char *username;  /* smtp */
        Secret password; /* smtp */
        char *from;      /* smtp From address */
        char *from_name; /* smtp display name */
        char **to;       /* smtp fixed recipients */
        size_t n_to;
        int rate_per_minute; /* 0 = the vendor default */
        int timeout_sec;
        int give_up_hours;
        char *ca_file;     /* smtp: the CA (PEM) a private server's certificate is checked with */
        bool insecure_tls; /* tests only: accept self-signed certificates */
} Channel;

typedef struct Route {
        size_t *duties, *posts; /* match lists (indices); empty = any */
        size_t n_duties, n_posts;
        DutyKind *kinds;
        size_t n_kinds;
        size_t *channels;
        size_t n_channels;
        bool holders_email; /* also mail each holder at their own address */
        bool mention;       /* @mention holders by mobile where supported */
} Route;

typedef struct FeedsConfig {
        char *dir;           /* `dutyctl feeds write`; default: STATE/feeds */
        char *public_url;    /* e.g. https://duty.example.gov.cn */
        int past_days;       /* DEFAULT_FEEDS_PAST_DAYS */
        int future_days;     /* DEFAULT_FEEDS_FUTURE_DAYS */
        int refresh_minutes; /* DEFAULT_FEEDS_REFRESH_MINUTES */
        int max_events;      /* events per feed at most; DEFAULT_FEEDS_MAX_EVENTS */
        bool overdue;        /* the "overdue" feed; default true */
        bool summary;        /* the "summary" feed; default true */
        bool org;            /* obsolete (warned): false turns overdue and summary off */
} FeedsConfig;

typedef struct ServerConfig {
        char *listen; /* DEFAULT_LISTEN; ignored when systemd passes sockets */
        int max_connections;
        int per_ip_connections;
        int timeout_sec;
        int header_timeout_sec;
        char *public_url; /* base for done links; default feeds.public_url */
} ServerConfig;

/* `heartbeat:`: an outside monitor's URL (healthchecks-style) pinged while the daemon is
 * healthy, so that a stopped or stuck dutyd is noticed by the monitor's silence. */
typedef struct HeartbeatConfig {
        char *url;        /* NULL = none; never logged (it names the check) */
        int interval_sec; /* DEFAULT_HEARTBEAT_INTERVAL */
} HeartbeatConfig;

typedef enum TemplateKind {
        TEMPLATE_UPCOMING, /* N days left */
        TEMPLATE_DUE_TODAY,
        TEMPLATE_OVERDUE,
        TEMPLATE_ESCALATION,
        TEMPLATE_DIGEST, /* catch-up after downtime */
        TEMPLATE_EVENT,  /* dutyctl raise: act now */
        _TEMPLATE_MAX,
} TemplateKind;

typedef struct ConfigPool ConfigPool;

typedef struct Config {
        ConfigPool *pool; /* every string and small array below */
        /* Read back from a compiled config (daemon/config/flat.h): the one malloc'd block that
         * holds its arrays, strings and lists instead of the pool and the arrays' own blocks;
         * NULL when read from YAML. */
        void *flat;
        char *path; /* main file */
        char *dir;  /* its folder */
        char *org_name, *timezone;
        bool any_due_time; /* some duty's deadline has a time of day: the feeds carry the zone */
        char *holidays_path;
        char *state_dir;
        Calendar *calendar;
        Document *documents;
        size_t n_documents;
        Post *posts;
        size_t n_posts;
        Person *people;
        size_t n_people;
        Duty *duties;
        size_t n_duties;
        DutyScope *scopes; /* of the duties that have one (Duty.scope) */
        Shift *shifts;     /* `shifts:`, in the order given (pool) */
        size_t n_shifts;
        Term *terms; /* `terms:` (pool) */
        size_t n_terms;
        size_t n_scopes;
        Channel *channels;
        size_t n_channels;
        Route *routes;
        size_t n_routes;
        ReminderPolicy reminders;
        FeedsConfig feeds;
        ServerConfig server;
        HeartbeatConfig heartbeat;
        char *templates[_TEMPLATE_MAX]; /* user overrides (`templates:`); NULL = built-in */
        /* Who held each post when: the tenures of post p are holders[holders_off[p] ..
         * holders_off[p + 1]), in person order. Built by the loader. */
        uint32_t *holders_off;
        PostTenure *holders;
} Config;

Config *config_free(Config *c);

/* "http://ADDRESS" of the feed server when no public address is configured: `served` (the
 * address the daemon actually listens on, e.g. the socket unit's), else server.listen. */
char *config_local_url(const Config *c, const char *served);
/* The address of `path` ("/done/TOKEN") on the server as people reach it: server.public_url,
 * else feeds.public_url, else config_local_url(c, served); malloc'd, NULL when out of memory. */
char *config_server_url(const Config *c, const char *served, const char *path);

ssize_t config_find_post(const Config *c, const char *id);
ssize_t config_find_person(const Config *c, const char *id);
ssize_t config_find_duty(const Config *c, const char *id);
ssize_t config_find_channel(const Config *c, const char *id);

/* The duty's basis (依据), the one text of it in two lengths, "" when it has none; malloc'd.
 * duty_basis(): the document's number (or title) and the clause, "大发〔2019〕45号 二、（一）3"
 * (tables, reports, the done page); duty_basis_full(): its title, number and the clause,
 * "《安全生产责任制实施意见》（大发〔2019〕45号） 二、（一）3" (reminders, calendar events). */
/* The duty's title with its rule's marks, "安全生产例会（原则上，可委托）" (rule_marks()), as
 * reminders and the report show it; NULL on ENOMEM. */
char *duty_title_marked(const Duty *d);
char *duty_basis(const Config *c, const Duty *d);
char *duty_basis_full(const Config *c, const Duty *d);

/* Whether duty `d` applies on `day` (its scope: from/until and season); true without one. */
bool duty_applies(const Config *c, const Duty *d, Day day);
/* Its scope as people read it, "2024-01-01至2026-12-31；汛期（6月1日至9月30日）", "" without
 * one; malloc'd (NULL on ENOMEM). */
char *duty_scope_text(const Config *c, const Duty *d);

/* Persons holding `post` on `day`, written to `out` (capacity n, MAX_POST_HOLDERS suffices);
 * returns the count written. */
size_t config_post_holders(const Config *c, size_t post, Day day, size_t *out, size_t n);

/* For the loader: frees what one duty or channel holds outside the pool (a rule's holiday
 * names, secret values), and builds the post → tenures index (Config.holders) once the people
 * are known: 0, -ENOMEM or -E2BIG. */
void duty_done(Duty *d);
void channel_done(Channel *ch);
int config_index_holders(Config *c);
