// HOST-MODES: manual
// (with -points=auto sum_big, which loops, is instrumented: its byval argument is refused)
/* Structs by value (<= 16 bytes), returned by value (any size, sret),
 * and a large struct passed by value to a function that does not migrate. */
#include <hexo/migrate.h>
#include <stdio.h>

struct p2 {
	int x, y;
};
struct p3 {
	int a, b, c;
};
struct dd {
	double re, im;
};
struct big {
	long v[6];
};

static struct p2 p2_step(struct p2 p)
{
	hexo_check_migrate();
	return (struct p2){p.x + p.y, p.x - p.y};
}

static struct p3 p3_step(struct p3 q, int k)
{
	hexo_check_migrate();
	return (struct p3){q.b, q.c, q.a + k};
}

static struct dd mul(struct dd a, struct dd b)
{
	hexo_check_migrate();
	return (struct dd){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}

static struct big grow(const struct big *b, int k)
{
	struct big r = *b;

	hexo_check_migrate();
	for (int i = 0; i < 6; i++)
		r.v[i] = r.v[i] * 3 + k + i;
	return r;
}

static long sum_big(struct big b) /* byval on x86-64, not a migration site */
{
	long s = 0;
	for (int i = 0; i < 6; i++)
		s = s * 5 + b.v[i];
	return s;
}

int main(void)
{
	struct p2 p = {1, 2};
	struct p3 q = {1, 2, 3};
	struct dd z = {0.5, 0.25}, w = {1, 0};
	struct big b = {{1, 2, 3, 4, 5, 6}};

	for (int i = 0; i < 20; i++) {
		p = p2_step(p);
		q = p3_step(q, i);
		w = mul(w, z);
		b = grow(&b, i);
		printf("%d %d | %d %d %d | %.17g %.17g | %ld\n", p.x, p.y, q.a, q.b, q.c, w.re,
		       w.im, sum_big(b));
	}
	return 0;
}
