/* Locals and values of many types across call sites: char, short, _Bool,
 * float, long double, unions, bitfields, arrays of structs, pointers
 * into arrays, a deep recursion with a shadow array per frame. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <string.h>

struct bits {
	unsigned a : 3, b : 7, c : 13;
	signed d : 5;
};

union pun {
	double d;
	unsigned long long u;
	unsigned char bytes[8];
};

struct item {
	char name[6];
	short qty;
	float price;
};

static int noise(int x)
{
	hexo_check_migrate();
	return (x * 1103515245 + 12345) & 0x7fffffff;
}

static long double mixed(int n)
{
	char c = 'a';
	short s = -1234;
	_Bool flag = n & 1;
	float f = 1.25f;
	long double ld = 2.5L;
	struct bits bf = {5, 100, 4000, -7};
	union pun u = {.d = 3.5};
	struct item items[3] = {{"apple", 3, 0.5f}, {"pear", 7, 1.25f}, {"fig", 11, 2.0f}};
	struct item *cursor = &items[1];

	for (int i = 0; i < n; i++) {
		int r = noise(i + c);
		c = (char)(c + (r & 3));
		s = (short)(s ^ noise(r));
		flag = !flag ^ (r & 1);
		f = f * 1.5f - (float)(r & 15);
		ld = ld * 1.0001L + (long double)(r % 100);
		bf.b += noise(bf.a) & 1;
		bf.d = -bf.d;
		u.bytes[i & 7] ^= (unsigned char)noise(i);
		cursor->qty += (short)(noise(cursor->qty) & 3);
		cursor = &items[(cursor - items + 1) % 3];
	}
	printf("%d %d %d %.9g %u %u %u %d %llx\n", c, s, flag, f, bf.a, bf.b, bf.c, bf.d, u.u);
	for (int i = 0; i < 3; i++)
		printf("%s %d %.3f\n", items[i].name, items[i].qty, items[i].price);
	return ld;
}

static unsigned deep(int depth, unsigned char *parent)
{
	unsigned char buf[300]; /* shadow: larger than 256 bytes */

	memset(buf, depth & 0xff, sizeof(buf));
	if (parent)
		buf[0] ^= parent[1];
	if (depth == 0)
		return buf[0];
	unsigned below = deep(depth - 1, buf);
	hexo_check_migrate();
	return below * 31 + buf[0] + buf[299];
}

int main(void)
{
	printf("%.12Lg\n", mixed(50));
	printf("%u\n", deep(500, NULL));
	return 0;
}
