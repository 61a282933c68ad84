/* evidence.h — the evidence files of completions (会议纪要, photos): content-addressed files in
 * the state folder, and which completion each backs.
 * Contract:
 *  - A file's content is stored once, as <state folder>/evidence/<sha256 hex>: written to a
 *    temporary file of its own, fsync'd, renamed into place and the folder fsync'd, so a file
 *    under its name is always whole and durable before any row names it; storing the same
 *    content again changes nothing. Files are made 0660 less the umask (the state folder is
 *    shared with the dutyd group, store.h).
 *  - The name is for display only: it never becomes a path (the hash does). The type is the
 *    caller's finding (libmagic in the console): evidence_type_allowed() is the list.
 *  - evidence_attach() records (completion, hash, name, type, size); call it inside the
 *    completion's transaction so that a completion and its files are recorded together.
 *  - Functions return 0 or a negative errno (-EIO SQLite, -ENOENT, -ENOMEM, or the file
 *    system's errno) and log nothing. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define EVIDENCE_HASH_LEN 64           /* lowercase hex SHA-256 */
#define EVIDENCE_MAX_BYTES (10u << 20) /* one file: 10 MiB */
#define EVIDENCE_MAX_FILES 5           /* files per completion */
#define EVIDENCE_NAME_MAX 200          /* bytes of a display name */

typedef struct EvidenceFile {
        int64_t completion;
        char sha256[EVIDENCE_HASH_LEN + 1];
        char *name, *mime;
        int64_t size;
} EvidenceFile;

/* The types accepted: PDF, JPEG, PNG, WebP, HEIC (a phone's photo). Returns the type as a
 * static string when `mime` is one of them, else NULL. */
const char *evidence_type_allowed(const char *mime);
/* True for exactly EVIDENCE_HASH_LEN lowercase hex digits. */
bool evidence_hash_valid(const char *s);
/* Stores `data` (durably, see above); ret gets its hash. */
int evidence_save(Store *s, const void *data, size_t n, char ret[static EVIDENCE_HASH_LEN + 1]);
int evidence_attach(Store *s, int64_t completion, const EvidenceFile *f);
/* The files of one completion (completion > 0) or of all, by completion then name. */
int evidence_list(Store *s, int64_t completion, EvidenceFile **ret, size_t *ret_n);
void evidence_list_free(EvidenceFile *v, size_t n);
/* The row of a hash (the first completion it backs): -ENOENT when no completion names it. */
int evidence_find(Store *s, const char *sha256, EvidenceFile *ret);
void evidence_file_done(EvidenceFile *f);
/* Opens the stored file for reading (O_RDONLY|O_CLOEXEC): *ret_fd, or -ENOENT. */
int evidence_open(Store *s, const char *sha256, int *ret_fd);
/* A display name made safe: the last path component, control characters and the characters
 * \ / : * ? " < > | replaced by _, valid UTF-8 cut to EVIDENCE_NAME_MAX bytes; "证明材料" when
 * nothing is left. malloc'd, NULL on allocation failure. */
char *evidence_clean_name(const char *name);
