// SPDX-License-Identifier: MIT
/*
 * The sealed session of a hexod connection (seal.h), with libsodium:
 * session keys from the shared secret and the handshake's nonces
 * (BLAKE2b keyed with the secret), and one
 * crypto_secretstream_xchacha20poly1305 stream per direction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"

_Static_assert(HEXO_SEAL_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES,
               "secretstream overhead");
_Static_assert(HEXO_PROTO_STREAM_HDR == crypto_secretstream_xchacha20poly1305_HEADERBYTES,
               "secretstream header");

struct hexo_seal {
	crypto_secretstream_xchacha20poly1305_state tx, rx;
	uint8_t rx_key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	bool rx_ready;
};

/*
 * Both directions' keys: BLAKE2b-512 keyed with the secret over a label,
 * the protocol version and both nonces; the first half for the client's
 * frames, the second for the agent's. Fresh nonces from both sides make
 * every connection's keys new, and a peer that does not know the secret
 * cannot compute them.
 */
static int session_keys(const uint8_t key[HEXO_PROTO_KEY], const uint8_t nc[HEXO_PROTO_NONCE],
                        const uint8_t ns[HEXO_PROTO_NONCE], uint8_t out[64])
{
	static const char label[] = "hexo session keys";
	uint8_t msg[sizeof(label) + 4 + 2 * HEXO_PROTO_NONCE];
	size_t off = 0;

	memcpy(msg, label, sizeof(label));
	off += sizeof(label);
	for (int i = 0; i < 4; i++)
		msg[off++] = (uint8_t)(HEXO_PROTO_VERSION >> (8 * i));
	memcpy(msg + off, nc, HEXO_PROTO_NONCE);
	off += HEXO_PROTO_NONCE;
	memcpy(msg + off, ns, HEXO_PROTO_NONCE);
	off += HEXO_PROTO_NONCE;
	return crypto_generichash(out, 64, msg, off, key, HEXO_PROTO_KEY) ? -EIO : 0;
}

int hexo_seal_new(struct hexo_seal **s, const uint8_t key[HEXO_PROTO_KEY], bool server,
                  const uint8_t nc[HEXO_PROTO_NONCE], const uint8_t ns[HEXO_PROTO_NONCE],
                  uint8_t tx_header[HEXO_PROTO_STREAM_HDR])
{
	uint8_t keys[64];
	struct hexo_seal *n;
	int ret;

	*s = NULL;
	if (sodium_init() < 0)
		return -EIO;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ret = session_keys(key, nc, ns, keys);
	if (!ret && crypto_secretstream_xchacha20poly1305_init_push(&n->tx, tx_header,
	                                                            server ? keys + 32 : keys))
		ret = -EIO;
	memcpy(n->rx_key, server ? keys : keys + 32, sizeof(n->rx_key));
	sodium_memzero(keys, sizeof(keys));
	if (ret) {
		hexo_seal_free(n);
		return ret;
	}
	*s = n;
	return 0;
}

int hexo_seal_rx_start(struct hexo_seal *s, const uint8_t rx_header[HEXO_PROTO_STREAM_HDR])
{
	if (crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, rx_header, s->rx_key))
		return -EBADMSG;
	sodium_memzero(s->rx_key, sizeof(s->rx_key));
	s->rx_ready = true;
	return 0;
}

int hexo_seal_push(struct hexo_seal *s, uint8_t *c, const uint8_t *m, size_t len)
{
	if (crypto_secretstream_xchacha20poly1305_push(
	        &s->tx, c, NULL, m, len, NULL, 0,
	        crypto_secretstream_xchacha20poly1305_TAG_MESSAGE))
		return -EIO;
	return 0;
}

int hexo_seal_pull(struct hexo_seal *s, uint8_t *m, const uint8_t *c, size_t clen)
{
	unsigned char tag;

	if (!s->rx_ready || clen < HEXO_SEAL_ABYTES)
		return -EBADMSG;
	if (crypto_secretstream_xchacha20poly1305_pull(&s->rx, m, NULL, &tag, c, clen, NULL, 0) ||
	    tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		return -EBADMSG;
	return 0;
}

void hexo_seal_free(struct hexo_seal *s)
{
	if (!s)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}
