/* stdio and printf formatting: integers of every width, %x/%o, %f %e %g over
 * many values and precisions, %s widths, %c, %%, long double, return values
 * of printf/snprintf, and the other stdout writers. Deterministic output,
 * compared byte for byte with expected.out (made by the same source built
 * natively against glibc; see tests/README.md for the formats avoided). */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void ints(void)
{
	static const int vals[] = {0, 1, -1, 7, -42, 100, 12345, -99999, INT_MAX, INT_MIN};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		int v = vals[i];
		printf("d[%d] i[%i] 5d[%5d] -5d[%-5d] 05d[%05d] +d[%+d] sp[% d] .3d[%.3d]\n", v, v,
		       v, v, v, v, v, v);
		printf("u[%u] x[%x] X[%X] #x[%#x] o[%o] #o[%#o] 08x[%08x] -8x[%-8x]\n", (unsigned)v,
		       (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v,
		       (unsigned)v);
	}
	printf("ld %ld %ld %ld\n", 0L, LONG_MAX, LONG_MIN);
	printf("lu %lu %lx\n", ULONG_MAX, ULONG_MAX);
	printf("lld %lld %lld %lld %lld\n", 0LL, 1234567890123456789LL, LLONG_MAX, LLONG_MIN);
	printf("llu %llu %llx %llX %llo\n", ULLONG_MAX, 0xdeadbeefcafebabeULL,
	       0x0123456789abcdefULL, 01777777777777777777777ULL);
	printf("lld widths [%20lld] [%-20lld] [%020lld] [%+lld]\n", -5LL, 5LL, -5LL, 5LL);
	printf("hd %hd %hd %hu\n", (short)-32768, (short)32767, (unsigned short)65535);
	printf("hhd %hhd %hhd %hhu %hhx\n", (signed char)-128, (signed char)127, (unsigned char)255,
	       (unsigned char)0xab);
	printf("zu %zu zd %zd jd %jd ju %ju td %td\n", (size_t)123456789, (ptrdiff_t)-5,
	       (intmax_t)INTMAX_MIN, (uintmax_t)UINTMAX_MAX, (ptrdiff_t)-77);
	printf("star [%*d] [%-*d] [%.*d] [%*.*d]\n", 6, 42, 6, 42, 4, 42, 8, 5, -42);
	printf("zero precision [%.0d] [%.0x] [%#.0o]\n", 0, 0u, 0u);
	printf("#x of zero [%#x] [%#o]\n", 0u, 0u);
}

static void floats(void)
{
	static const double vals[] = {
	    0.0,
	    -0.0,
	    1.0,
	    -1.0,
	    0.1,
	    0.5,
	    1.5,
	    2.5,
	    -2.5,
	    3.0,
	    0.125,
	    1.0 / 3.0,
	    2.0 / 3.0,
	    3.141592653589793,
	    2.718281828459045,
	    1e-5,
	    1e-4,
	    9.9999e-5,
	    0.00123456789,
	    123456.0,
	    1234567.0,
	    999999.5,
	    9.5,
	    99.95,
	    1e10,
	    1.5e15,
	    1e16,
	    12345678901234567890.0,
	    1e21,
	    1e22,
	    1e23,
	    1e100,
	    1e300,
	    -1e-300,
	    1e-310,
	    4.9406564584124654e-324,
	    DBL_MIN,
	    DBL_MAX,
	    DBL_EPSILON,
	    123.456,
	    -0.000001234,
	    6.02214076e23,
	    1.602176634e-19,
	    0.3,
	    0.7,
	    1e-7,
	    5e-324 * 3,
	    0x1.fffffffffffffp-1,
	    1.0000000000000002,
	    4503599627370496.5,
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		double v = vals[i];
		/* %f of numbers with more than 40 integer digits: beyond what C
		 * requires to be exact (DECIMAL_DIG), newlib prints zeros where glibc
		 * prints every digit; the "big f" lines below test up to 39 digits. */
		if (fabs(v) < 1e40) {
			printf("%2zu f[%f] .0f[%.0f] .3f[%.3f] ", i, v, v, v);
			printf("12.4f[%12.4f] 012.3f[%012.3f] #.0f[%#.0f]\n", v, v, v);
		} else {
			printf("%2zu (no %%f: %.0e has more than 40 digits)\n", i, v);
		}
		printf("%2zu e[%e] .0e[%.0e] .10e[%.10e] g[%g]\n", i, v, v, v, v);
		printf("%2zu .1g[%.1g] .3g[%.3g] .10g[%.10g] .17g[%.17g] #g[%#g] E[%E] G[%G]\n", i,
		       v, v, v, v, v, v, v);
		printf("%2zu -12.2e[%-12.2e] +g[%+g] sp[% g] #.0e[%#.0e]\n", i, v, v, v, v);
	}
	/* Every digit of exact binary values, up to 40 significant digits. */
	printf("big f %.0f\n", 1e22);
	printf("big f %.2f\n", 0x1p100);
	printf("big f %.1f\n", 0x1p128);
	printf("small f %.40f\n", 0x1p-50);
	printf("small f %.40f\n", 0x1.8p-20);
	printf("long precision %.40f\n", 0.1);
	printf("long precision %.40e\n", 1.0 / 3.0);
	/* Rounding of ties at every precision. */
	for (int p = 0; p <= 6; p++)
		printf("ties p=%d [%.*f] [%.*f] [%.*f] [%.*f]\n", p, p, 0.5, p, 1.25, p, 2.675, p,
		       1.0005);
	/* Infinities and a positive NaN (the sign of NaN is not portable). */
	double inf = INFINITY, nan_ = fabs(NAN);
	printf("inf f[%f] e[%e] g[%g] F[%F] E[%E] G[%G] -[%f] w[%8f] -w[%-8g|]\n", inf, inf, inf,
	       inf, inf, inf, -inf, inf, -inf);
	printf("nan f[%f] e[%e] g[%g] F[%F] w[%6f]\n", nan_, nan_, nan_, nan_, nan_);
	/* float arguments promote to double */
	float fl = 1.1f;
	printf("float %f %.9g %e\n", fl, fl, fl);
}

static void long_doubles(void)
{
	static const long double vals[] = {
	    0.0L,     1.0L,           -1.5L,  0.1L,  1.0L / 3.0L, 3.14159265358979323846L,
	    1e10L,    123456789.125L, 1e-10L, 1e30L, -2.5e-20L,   65536.0L,
	    0x1p100L,
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		long double v = vals[i];
		printf("L%2zu Lf[%Lf] .3Lf[%.3Lf] Le[%Le] Lg[%Lg] .15Lg[%.15Lg] 14.4Lf[%14.4Lf]\n",
		       i, v, v, v, v, v, v);
	}
}

static void strs(void)
{
	static const char *const vals[] = {"", "a", "hello", "hello, world", "exactly10!"};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		const char *s = vals[i];
		printf("s[%s] 10s[%10s] -10s[%-10s] .3s[%.3s] 8.2s[%8.2s] -8.2s[%-8.2s] "
		       "*s[%*s] -*.*s[%-*.*s]\n",
		       s, s, s, s, s, s, 7, s, 9, 4, s);
	}
	printf("c[%c] c[%c] 5c[%5c] -5c[%-5c] c0[%c%c%c]\n", 'A', 'z', 'x', 'y', '1', '2', '3');
	printf("percent %% [%%] 100%%\n");
	printf("mixed %s=%d (%5.1f%%) %c%c 0x%04X %lld\n", "load", 42, 97.25, 'o', 'k', 0xbeefu,
	       -1LL);
}

static void returns(void)
{
	char buf[16];
	int n = printf("count me\n");
	printf("printf returned %d\n", n);
	n = snprintf(buf, sizeof buf, "%s", "0123456789abcdefghij");
	printf("snprintf truncated returned %d buf[%s] len %zu\n", n, buf, strlen(buf));
	n = snprintf(NULL, 0, "%d-%s-%f", 123, "xyz", 1.5);
	printf("snprintf(NULL,0) returned %d\n", n);
	n = snprintf(buf, 1, "abc");
	printf("snprintf size 1 returned %d buf[%s]\n", n, buf);
	n = sprintf(buf, "%05.1f|%x", 3.14159, 255u);
	printf("sprintf returned %d buf[%s]\n", n, buf);
	char big[600];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	n = printf("%s\n", big);
	printf("long line returned %d\n", n);
}

static void writers(void)
{
	puts("puts line");
	fputs("fputs line\n", stdout);
	putchar('p');
	putchar('\n');
	fputc('f', stdout);
	putc('\n', stdout);
	size_t w = fwrite("fwrite data\n", 1, 12, stdout);
	printf("fwrite returned %zu\n", w);
	fprintf(stdout, "fprintf %s %d\n", "to stdout", 7);
	/* A partial line, then more of it. */
	printf("partial ");
	fflush(stdout);
	printf("line joined\n");
	/* Many small writes. */
	for (int i = 0; i < 200; i++)
		printf("%c", 'a' + i % 26);
	printf("\n");
}

int main(void)
{
	ints();
	floats();
	long_doubles();
	strs();
	returns();
	writers();
	printf("done\n");
	return 0;
}
