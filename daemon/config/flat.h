/* flat.h — a loaded Config as one block of bytes, and back: what the compiled config of
 * snapshot.h holds.
 * Contract: pure (no I/O). flat_encode() writes a Config and the warnings its load gave into one
 * malloc'd block; flat_decode() turns such a block into a Config equal to the one encoded (same
 * values, the same lookups answer the same) by fixing its pointers in place, so a province's
 * config is back in the time it takes to read the file, with no YAML parsed. Secret values are
 * never encoded (the programs that send read them apart, secrets.h). The block is this build's
 * own: a block of another layout, or a damaged one (an offset or an index out of range), is
 * -EBADMSG, never a crash. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"

/* Where flat_write() puts the block: `write` stores `n` bytes at offset `at` of it (each byte
 * once, in pieces of up to 256 KiB, in no particular order; bytes never written are zeros);
 * 0 or a negative errno. */
typedef struct FlatSink {
        int (*write)(void *userdata, uint64_t at, const void *p, size_t n);
        void *userdata;
} FlatSink;

/* Encodes `c` and the warnings of `warnings` into `sink`, in memory independent of the
 * config's size (the large arrays are written element by element): 0 with the block's size,
 * -ENOMEM or the sink's error. */
int flat_write(const Config *c, const Diags *warnings, const FlatSink *sink, uint64_t *ret_size);
/* The same into one malloc'd block: 0 with *ret (*ret_n bytes), or -ENOMEM. */
int flat_encode(const Config *c, const Diags *warnings, void **ret, size_t *ret_n);
/* Takes `buf` (malloc'd, `n` bytes, changed in place; the Config owns it, freed either way).
 * 0 with *ret and the warnings added to `warnings`; -EBADMSG or -ENOMEM. */
int flat_decode(void *buf, size_t n, Config **ret, Diags *warnings);
