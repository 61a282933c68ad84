/* schema.h — the state database's schema: which file is dutyd's, the version of its schema, and
 * the steps that bring an older one to the current version.
 * Contract:
 *  - A dutyd database carries PRAGMA application_id = SCHEMA_APPLICATION_ID and PRAGMA
 *    user_version = the version of its schema (SCHEMA_VERSION for this program).
 *  - The schema is what the steps (schema_steps, in order, step n going from version n−1 to n)
 *    make: a new file goes through them from version 0 like any other, so every table is
 *    written down once, in the step that made it. A step, once released, never changes: a
 *    change of the schema is a new step at the end.
 *  - Version 0 with dutyd's tables is a file of a release before versions (2026-11 and
 *    earlier, in any of its shapes); step 1 adds what later releases added. Version 0 with no
 *    table at all is a new file.
 *  - Foreign: another program's application_id; or no application_id but a user_version, or
 *    tables none of which is dutyd's, or a dutyd table whose columns are not dutyd's.
 *  - schema_inspect() only reads. schema_upgrade() runs the steps due in one IMMEDIATE
 *    transaction (all or nothing: a failed step leaves the file as it was) and stamps the
 *    version; no step deletes a row. A file newer than the last step is never touched.
 *  - Functions return 0 or a negative errno and log nothing; SchemaInfo says what was found. */
#pragma once
#include <stddef.h>

#include "store.h"

#define SCHEMA_APPLICATION_ID 0x64757479 /* "duty" */
#define SCHEMA_VERSION 3

typedef enum SchemaKind {
        SCHEMA_NEW,     /* no table yet */
        SCHEMA_OLDER,   /* dutyd's, at an earlier version: to be upgraded */
        SCHEMA_CURRENT, /* dutyd's, at the version of the last step */
        SCHEMA_NEWER,   /* made by a later dutyd: refused, never downgraded */
        SCHEMA_FOREIGN, /* another program's file: refused */
} SchemaKind;

typedef struct SchemaInfo {
        SchemaKind kind;
        int version;     /* the file's user_version as found */
        int sqlite_code; /* after a failed step: SQLite's (extended) error code */
        char why[320]; /* foreign: what gives it away; a failed step: which, and SQLite's reason */
} SchemaInfo;

/* One step: brings a file at version−1 to `version`. Its SQL runs first, then its function. */
typedef struct SchemaStep {
        int version;
        const char *what; /* for the message when it fails */
        const char *sql;
        int (*run)(Store *s);
} SchemaStep;

extern const SchemaStep schema_steps[];
extern const size_t schema_n_steps;

/* Classifies the file against the version of the last of `n` steps: 0, -EIO or -ENOMEM. */
int schema_inspect(Store *s, const SchemaStep *steps, size_t n, SchemaInfo *ret);
/* Brings the file to the version of the last of `n` steps (schema_steps for dutyd; other lists
 * for tests). 0 (ret->kind says from what: NEW, OLDER or CURRENT, ret->version from which
 * version), -EBADMSG (foreign), -EPROTONOSUPPORT (newer), -EIO (a step failed: ret->why and
 * ret->sqlite_code), -ENOMEM. The caller holds no transaction. */
int schema_upgrade(Store *s, const SchemaStep *steps, size_t n, SchemaInfo *ret);
