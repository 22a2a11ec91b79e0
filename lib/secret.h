/* SPDX-License-Identifier: MIT */
/*
 * The hexod shared secret and the handshake's proofs (docs/hexod.md,
 * proto.h): a 32-byte key kept as 64 hex characters in a file on both
 * sides; each side proves it knows it with HMAC-SHA256 over a role label,
 * the protocol version and both nonces, so the secret itself never crosses
 * the wire. With seal.h (the sealed frames after the handshake), the
 * libsodium users in lib/.
 *
 * Functions return 0 or a negative errno value; those taking `err` write one
 * line there on failure.
 */
#ifndef HEXO_LIB_SECRET_H
#define HEXO_LIB_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h" /* HEXO_PROTO_KEY, HEXO_PROTO_NONCE, HEXO_PROTO_MAC */

/* Parses a secret: 64 hex characters, surrounding white space allowed. */
int hexo_secret_parse(const char *text, uint8_t key[HEXO_PROTO_KEY]);
/* Reads and parses a secret file; also returns its hex form when hex != NULL. */
int hexo_secret_read(const char *path, uint8_t key[HEXO_PROTO_KEY],
                     char hex[2 * HEXO_PROTO_KEY + 1], char *err, size_t errlen);
/* Fills `hex` with a fresh random secret. */
int hexo_secret_new(char hex[2 * HEXO_PROTO_KEY + 1]);
/* len random bytes (nonces, temporary names): 0 or -EIO. */
int hexo_random(void *p, size_t len);

/* The proof a side sends: server = true for the agent's. */
int hexo_auth_proof(const uint8_t key[HEXO_PROTO_KEY], bool server,
                    const uint8_t nc[HEXO_PROTO_NONCE], const uint8_t ns[HEXO_PROTO_NONCE],
                    uint8_t mac[HEXO_PROTO_MAC]);
/* Constant-time check of a received proof: 0 or -EACCES. */
int hexo_auth_check(const uint8_t key[HEXO_PROTO_KEY], bool server,
                    const uint8_t nc[HEXO_PROTO_NONCE], const uint8_t ns[HEXO_PROTO_NONCE],
                    const uint8_t mac[HEXO_PROTO_MAC]);

#endif
