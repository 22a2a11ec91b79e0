/* Structs passed and returned by value on the migration path. */
#include <hexo/migrate.h>
#include <stdio.h>

struct pair {
	int a;
	double b;
};

struct vec2 {
	float x, y;
};

struct big {
	long v[6];
	char tag[16];
};

static struct pair step(struct pair p, struct vec2 d)
{
	hexo_check_migrate();
	p.a += (int)d.x;
	p.b = p.b * 1.5 + d.y;
	return p;
}

static struct big grow(const struct big *in, int k)
{
	struct big out = *in;

	hexo_check_migrate();
	for (int i = 0; i < 6; i++)
		out.v[i] = out.v[i] * 3 + k + i;
	out.tag[k % 15] = (char)('a' + k);
	return out;
}

int main(void)
{
	struct pair p = {1, 0.25};
	struct vec2 d = {2.0f, 0.5f};
	struct big b = {{1, 2, 3, 4, 5, 6}, "..............."};

	for (int k = 0; k < 8; k++) {
		p = step(p, d);
		b = grow(&b, k);
		d.x += 1.0f;
		printf("k=%d pair=(%d, %.6f) big=(%ld %ld %ld %ld %ld %ld) %s\n", k, p.a, p.b, b.v[0],
		       b.v[1], b.v[2], b.v[3], b.v[4], b.v[5], b.tag);
	}
	return 0;
}
