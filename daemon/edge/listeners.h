/* listeners.h — the listening sockets of the HTTP server, accepted from on an sd_event loop.
 * Contract:
 *  - The stream sockets systemd passes (sd_listen_fds), else one bound to `address` ("HOST:PORT",
 *    "[V6]:PORT", ":PORT"; port 0 = ephemeral; backlog SOMAXCONN).
 *  - Every socket stays in the loop's poll set for the object's life (paused only for
 *    PAUSE_MSEC after running out of descriptors or memory, EMFILE / ENFILE / ENOBUFS / ENOMEM,
 *    instead of spinning on a queue it cannot take from; logged once per episode). When one is
 *    readable, up to LISTEN_BATCH connections are accepted (non-blocking, close-on-exec) and
 *    each handed to on_accept, which owns the new socket from then on; then on_done is called
 *    once.
 *  - listeners_stuck(): true when a socket has had connections waiting for `stuck_usec` or
 *    longer with none taken (the sign of a server that no longer accepts); listen_fd_stuck()
 *    is that test for any descriptor: readable now, seen readable (*waiting_since, which it
 *    keeps) and not served for `stuck_usec`. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#define LISTEN_BATCH 32
#define PAUSE_MSEC 100

typedef struct Listeners Listeners;
typedef void (*ListenAccept)(int fd, const struct sockaddr *peer, socklen_t peer_len,
                             void *userdata);
typedef void (*ListenDone)(void *userdata);

int listeners_new(sd_event *e, const char *address, ListenAccept on_accept, ListenDone on_done,
                  void *userdata, Listeners **ret);
Listeners *listeners_free(Listeners *l);
size_t listeners_count(const Listeners *l);
/* "127.0.0.1:8027", "[::1]:8027"; -ENOENT past the last one. */
int listeners_address(const Listeners *l, size_t i, char *buf, size_t n);
bool listeners_stuck(Listeners *l, uint64_t stuck_usec);
bool listen_fd_stuck(int fd, uint64_t served, uint64_t now, uint64_t stuck_usec,
                     uint64_t *waiting_since);
