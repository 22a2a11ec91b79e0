// SPDX-License-Identifier: MIT
/*
 * The hexod shared secret and the HMAC proofs of the handshake (secret.h),
 * with libsodium: parsing, reading and making a secret, random bytes, and
 * computing and checking a proof.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "err.h"
#include "secret.h"

static int crypto_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int hexo_random(void *p, size_t len)
{
	if (crypto_ready())
		return -EIO;
	randombytes_buf(p, len);
	return 0;
}

int hexo_secret_parse(const char *text, uint8_t key[HEXO_PROTO_KEY])
{
	const char *s = text, *e;
	size_t bin_len = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if (e - s != 2 * HEXO_PROTO_KEY)
		return -EINVAL;
	if (sodium_hex2bin(key, HEXO_PROTO_KEY, s, (size_t)(e - s), NULL, &bin_len, NULL) ||
	    bin_len != HEXO_PROTO_KEY)
		return -EINVAL;
	return 0;
}

int hexo_secret_read(const char *path, uint8_t key[HEXO_PROTO_KEY],
                     char hex[2 * HEXO_PROTO_KEY + 1], char *err, size_t errlen)
{
	char text[256];
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hexo_fail(err, errlen, -errno, "secret file '%s': %s", path,
		                 strerror(errno));
	n = read(fd, text, sizeof(text) - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return hexo_fail(err, errlen, ret, "secret file '%s': %s", path, strerror(-ret));
	text[n] = '\0';
	if (strlen(text) != (size_t)n || hexo_secret_parse(text, key))
		return hexo_fail(err, errlen, -EINVAL,
		                 "secret file '%s': expected 64 hex characters (make one with "
		                 "'hexod --new-secret FILE')",
		                 path);
	if (hex)
		sodium_bin2hex(hex, 2 * HEXO_PROTO_KEY + 1, key, HEXO_PROTO_KEY);
	return 0;
}

int hexo_secret_new(char hex[2 * HEXO_PROTO_KEY + 1])
{
	uint8_t key[HEXO_PROTO_KEY];

	if (hexo_random(key, sizeof(key)))
		return -EIO;
	sodium_bin2hex(hex, 2 * HEXO_PROTO_KEY + 1, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return 0;
}

int hexo_auth_proof(const uint8_t key[HEXO_PROTO_KEY], bool server,
                    const uint8_t nc[HEXO_PROTO_NONCE], const uint8_t ns[HEXO_PROTO_NONCE],
                    uint8_t mac[HEXO_PROTO_MAC])
{
	static const char srv[] = "hexod agent proof", cli[] = "hexo client proof";
	crypto_auth_hmacsha256_state st;
	uint8_t ver[4]; /* little-endian, as on the wire */

	if (crypto_ready())
		return -EIO;
	for (int i = 0; i < 4; i++)
		ver[i] = (uint8_t)(HEXO_PROTO_VERSION >> (8 * i));
	crypto_auth_hmacsha256_init(&st, key, HEXO_PROTO_KEY);
	if (server)
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)srv, sizeof(srv));
	else
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)cli, sizeof(cli));
	crypto_auth_hmacsha256_update(&st, ver, sizeof(ver));
	crypto_auth_hmacsha256_update(&st, nc, HEXO_PROTO_NONCE);
	crypto_auth_hmacsha256_update(&st, ns, HEXO_PROTO_NONCE);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int hexo_auth_check(const uint8_t key[HEXO_PROTO_KEY], bool server,
                    const uint8_t nc[HEXO_PROTO_NONCE], const uint8_t ns[HEXO_PROTO_NONCE],
                    const uint8_t mac[HEXO_PROTO_MAC])
{
	uint8_t want[HEXO_PROTO_MAC];
	int ret;

	ret = hexo_auth_proof(key, server, nc, ns, want);
	if (ret)
		return ret;
	ret = sodium_memcmp(want, mac, HEXO_PROTO_MAC) ? -EACCES : 0;
	sodium_memzero(want, sizeof(want));
	return ret;
}
