/* SPDX-License-Identifier: MIT */
/*
 * The sealed session of an authenticated hexod connection (docs/hexod.md):
 * after the handshake every frame travels as libsodium
 * crypto_secretstream_xchacha20poly1305 messages, one stream per
 * direction, each with its own key derived from the shared secret and both
 * handshake nonces. A stream refuses an altered, injected, replayed,
 * reordered or missing message (each message's key and nonce follow from
 * the ones before it). No I/O here: lib/proto_io.c keeps one session per
 * socket and does the reading and writing.
 *
 * Functions return 0 or a negative errno value.
 */
#ifndef HEXO_LIB_SEAL_H
#define HEXO_LIB_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h" /* HEXO_PROTO_KEY, HEXO_PROTO_NONCE, HEXO_PROTO_STREAM_HDR */

#define HEXO_SEAL_ABYTES 17u /* added to each message */

struct hexo_seal; /* both directions of one connection */

/*
 * A new session for one side (server = true for the agent's) of the
 * connection whose handshake used key, nc and ns: its sending stream
 * starts, and tx_header is what the peer needs to read it.
 */
int hexo_seal_new(struct hexo_seal **s, const uint8_t key[HEXO_PROTO_KEY], bool server,
                  const uint8_t nc[HEXO_PROTO_NONCE], const uint8_t ns[HEXO_PROTO_NONCE],
                  uint8_t tx_header[HEXO_PROTO_STREAM_HDR]);
/* Starts the receiving stream with the peer's header. */
int hexo_seal_rx_start(struct hexo_seal *s, const uint8_t rx_header[HEXO_PROTO_STREAM_HDR]);
/* Seals len bytes of m into c (len + HEXO_SEAL_ABYTES bytes). */
int hexo_seal_push(struct hexo_seal *s, uint8_t *c, const uint8_t *m, size_t len);
/* Opens the next message, clen bytes of c, into m (clen - HEXO_SEAL_ABYTES
 * bytes): -EBADMSG when it is not the peer's next message, intact. */
int hexo_seal_pull(struct hexo_seal *s, uint8_t *m, const uint8_t *c, size_t clen);
/* Wipes and frees (NULL is fine). */
void hexo_seal_free(struct hexo_seal *s);

#endif
