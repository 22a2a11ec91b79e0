/* <string.h>, <stdlib.h> conversions, <ctype.h> and sscanf. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void basics(void)
{
	char buf[64];
	printf("strlen %zu %zu %zu\n", strlen(""), strlen("a"), strlen("hello world"));
	printf("strcmp %d %d %d %d %d\n", sign(strcmp("abc", "abc")), sign(strcmp("abc", "abd")),
	       sign(strcmp("b", "abc")), sign(strcmp("", "a")), sign(strcmp("a\xff", "a\x01")));
	printf("strncmp %d %d %d\n", sign(strncmp("abcdef", "abcxyz", 3)),
	       sign(strncmp("abcdef", "abcxyz", 4)), sign(strncmp("x", "y", 0)));
	printf("strcasecmp %d %d strncasecmp %d\n", sign(strcasecmp("HeLLo", "hello")),
	       sign(strcasecmp("a", "B")), sign(strncasecmp("ABCd", "abce", 3)));
	strcpy(buf, "foo");
	strcat(buf, "bar");
	strncat(buf, "bazqux", 3);
	printf("strcpy/strcat [%s]\n", buf);
	memset(buf, 'X', sizeof buf);
	strncpy(buf, "ab", 5);
	printf("strncpy pads: %d %d %d %d %d %c\n", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]);
	const char *s = "the quick brown fox jumps over the lazy dog";
	printf("strchr [%s] strrchr [%s] strchr-nul %d\n", strchr(s, 'q'), strrchr(s, 'o'),
	       strchr(s, '\0') == s + strlen(s));
	printf("strchr missing %s\n", strchr(s, 'Z') ? "found" : "NULL");
	printf("strstr [%s] [%s] %s empty-needle %d\n", strstr(s, "fox"), strstr(s, "the lazy"),
	       strstr(s, "cat") ? "found" : "NULL", strstr(s, "") == s);
	printf("strspn %zu strcspn %zu strpbrk [%s]\n", strspn("aaabbbccc", "ab"),
	       strcspn("hello, world", ",;"), strpbrk(s, "xyz"));
	char *d = strdup(s);
	char *nd = strndup(s, 9);
	printf("strdup [%s] strndup [%s]\n", d, nd);
	free(d);
	free(nd);
	printf("memchr [%s] memcmp %d %d\n", (const char *)memchr(s, 'j', strlen(s)),
	       sign(memcmp("abc\0x", "abc\0y", 5)), sign(memcmp("abc", "abd", 2)));
}

static void tokens(void)
{
	char line[] = "  alpha,beta;;gamma , delta,,epsilon  ";
	int n = 0;
	for (char *t = strtok(line, " ,;"); t; t = strtok(NULL, " ,;"))
		printf("tok %d [%s]\n", n++, t);
	char csv[] = "k1=v1&k2=v2&k3=";
	char *save1, *save2;
	for (char *pair = strtok_r(csv, "&", &save1); pair; pair = strtok_r(NULL, "&", &save1)) {
		char *k = strtok_r(pair, "=", &save2);
		char *v = strtok_r(NULL, "=", &save2);
		printf("pair [%s] -> [%s]\n", k, v ? v : "(none)");
	}
}

static void moves(void)
{
	char b[32];
	for (int shift = -5; shift <= 5; shift++) {
		strcpy(b, "0123456789ABCDEFGHIJ");
		if (shift >= 0)
			memmove(b + shift, b, 15);
		else
			memmove(b, b - shift, 15);
		printf("memmove %+d [%s]\n", shift, b);
	}
	/* Large overlapping moves in both directions, checked by content. */
	static unsigned char big[1 << 20];
	for (unsigned i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 9));
	memmove(big + 4093, big, sizeof big - 4093);
	unsigned long bad = 0;
	for (unsigned i = 4093; i < sizeof big; i++)
		bad += big[i] != (unsigned char)((i - 4093) * 7 + ((i - 4093) >> 9));
	memmove(big, big + 4093, sizeof big - 4093);
	for (unsigned i = 0; i < sizeof big - 4093; i++)
		bad += big[i] != (unsigned char)(i * 7 + (i >> 9));
	printf("big memmove mismatches %lu\n", bad);
	/* memcpy/memset at every alignment and length 0..40 */
	unsigned long sum = 0;
	static unsigned char src[128], dst[128];
	for (int i = 0; i < 128; i++)
		src[i] = (unsigned char)(i ^ 0x5c);
	for (int off = 0; off < 16; off++)
		for (int len = 0; len <= 40; len++) {
			memset(dst, 0xee, sizeof dst);
			memcpy(dst + off, src + (15 - off), (size_t)len);
			for (int k = 0; k < 128; k++)
				sum = sum * 31 + dst[k];
			memset(dst + off, off, (size_t)len);
			for (int k = 0; k < 128; k++)
				sum = sum * 31 + dst[k];
		}
	printf("memcpy/memset checksum %lu\n", sum);
}

static void conversions(void)
{
	static const char *const ints[] = {"0",
	                                   "42",
	                                   "-17",
	                                   "  +99",
	                                   "0x1f",
	                                   "0X1F",
	                                   "017",
	                                   "1234567890123",
	                                   "9223372036854775807",
	                                   "9223372036854775808",
	                                   "-9223372036854775809",
	                                   "12abc",
	                                   "abc",
	                                   "",
	                                   "  -0"};
	static const int bases[] = {0, 10, 16, 8};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
			char *end;
			errno = 0;
			long long v = strtoll(ints[i], &end, bases[b]);
			printf("strtoll(\"%s\", %d) = %lld rest [%s] erange %d\n", ints[i],
			       bases[b], v, end, errno == ERANGE);
		}
	char *end;
	errno = 0;
	long l = strtol("zz", &end, 36);
	printf("strtol zz base36 %ld rest [%s]\n", l, end);
	printf("strtol 101 base2 %ld\n", strtol("101", NULL, 2));
	errno = 0;
	unsigned long ul = strtoul("18446744073709551615", &end, 10);
	printf("strtoul max %lu erange %d\n", ul, errno == ERANGE);
	errno = 0;
	ul = strtoul("18446744073709551616", &end, 10);
	printf("strtoul over %lu erange %d\n", ul, errno == ERANGE);
	printf("strtoul -1 %lu\n", strtoul("-1", NULL, 10));
	errno = 0;
	unsigned long long ull = strtoull("0xffffffffffffffff", &end, 16);
	printf("strtoull hex %llu rest [%s] erange %d\n", ull, end, errno == ERANGE);
	printf("atoi %d %d atol %ld atoll %lld\n", atoi("123"), atoi("-45xyz"), atol(" 77"),
	       atoll("-9000000000"));

	static const char *const dbls[] = {"0",
	                                   "1.5",
	                                   "-2.25e3",
	                                   "  .5",
	                                   "1e308",
	                                   "1e309",
	                                   "1e-320",
	                                   "4.9e-324",
	                                   "2e-400",
	                                   "3.14159abc",
	                                   "inf",
	                                   "-Infinity",
	                                   "0.1",
	                                   "123456789012345678901234567890",
	                                   "0x1.8p1",
	                                   "1.7976931348623157e308",
	                                   "2.2250738585072011e-308",
	                                   "",
	                                   "x",
	                                   "5e"};
	for (size_t i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
		errno = 0;
		double v = strtod(dbls[i], &end);
		printf("strtod(\"%s\") = %.17g rest [%s] erange %d\n", dbls[i], v, end,
		       errno == ERANGE && (v == 0.0 || v > 1.0 || v < -1.0));
	}
	printf("strtof %.9g atof %.17g\n", (double)strtof("3.4028235e38", NULL), atof("-0.125"));
}

static void ctype(void)
{
	char up[64], low[64];
	const char *mix = "Hello, World! 123 _x";
	size_t i;
	for (i = 0; mix[i]; i++) {
		up[i] = (char)toupper((unsigned char)mix[i]);
		low[i] = (char)tolower((unsigned char)mix[i]);
	}
	up[i] = low[i] = '\0';
	printf("toupper [%s] tolower [%s]\n", up, low);
	unsigned long classes[8] = {0};
	for (int c = 0; c < 128; c++) {
		classes[0] += !!isalpha(c);
		classes[1] += !!isdigit(c);
		classes[2] += !!isspace(c);
		classes[3] += !!ispunct(c);
		classes[4] += !!isupper(c);
		classes[5] += !!isxdigit(c);
		classes[6] += !!isprint(c);
		classes[7] += !!iscntrl(c);
	}
	printf("ctype counts alpha %lu digit %lu space %lu punct %lu upper %lu xdigit %lu "
	       "print %lu cntrl %lu\n",
	       classes[0], classes[1], classes[2], classes[3], classes[4], classes[5], classes[6],
	       classes[7]);
}

static void scanning(void)
{
	int a = 0, b = 0;
	double x = 0;
	char word[16] = "", rest[32] = "";
	unsigned hx = 0;
	long long big = 0;
	int n = sscanf("12 -34 2.5e2 word tail of it", "%d %d %lf %15s %31[^\n]", &a, &b, &x, word,
	               rest);
	printf("sscanf %d: %d %d %.17g [%s] [%s]\n", n, a, b, x, word, rest);
	n = sscanf("ff:1234567890123", "%x:%lld", &hx, &big);
	printf("sscanf %d: %u %lld\n", n, hx, big);
	n = sscanf("abc", "%d", &a);
	printf("sscanf no match %d\n", n);
	n = sscanf("", "%d", &a);
	printf("sscanf empty %d\n", n);
	char c1 = 0, c2 = 0;
	n = sscanf("key = value", "%15[a-z] %c %c", word, &c1, &c2);
	printf("sscanf set %d [%s] %c %c\n", n, word, c1, c2);
}

static void formatting(void)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%s|%5d|%-5s|%.2f", "abc", 42, "xy", 2.345);
	printf("snprintf %d [%s]\n", n, buf);
	n = snprintf(buf, 8, "%d", 123456789);
	printf("snprintf trunc %d [%s]\n", n, buf);
	char *p = buf;
	p += sprintf(p, "%d", 1);
	p += sprintf(p, ",%d", 22);
	p += sprintf(p, ",%d", 333);
	printf("sprintf chain [%s] len %d\n", buf, (int)(p - buf));
}

int main(void)
{
	basics();
	tokens();
	moves();
	conversions();
	ctype();
	scanning();
	formatting();
	printf("done\n");
	return 0;
}
