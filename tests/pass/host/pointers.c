/* Pointers to locals: escaped locals live on the shadow stack, so the
 * pointers held in them, in other frames and in the heap stay valid. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	int value;
	struct node *parent; /* in the caller's frame */
};

static int walk(struct node *n)
{
	int sum = 0;

	for (; n; n = n->parent) {
		hexo_check_migrate();
		sum = sum * 7 + n->value;
	}
	return sum;
}

static int nest(int depth, struct node *parent)
{
	struct node here = {depth * 3 + 1, parent};

	if (depth == 0)
		return walk(&here);
	return nest(depth - 1, &here) + here.value;
}

static void bump(int *p, int by)
{
	hexo_check_migrate();
	*p += by;
}

struct holder {
	int *target;
	char tag[12];
};

static int **global_ref;

static int holders(void)
{
	int x = 5, y = 7;
	int *px = &x;
	struct holder h = {&y, "holder"};
	global_ref = &px;

	bump(&x, 10);
	bump(h.target, 100);
	bump(*global_ref, 1000);
	return x * 1000 + y + (int)strlen(h.tag);
}

/* A large array (shadow stack because of its size) and a pointer into
 * a small one held across calls. */
static long arrays(int n)
{
	double big[100];
	int small[8];
	int *cursor = &small[3];
	long acc = 0;

	for (int i = 0; i < 100; i++)
		big[i] = i * 0.5;
	for (int i = 0; i < 8; i++)
		small[i] = i * i;
	for (int r = 0; r < n; r++) {
		bump(cursor, r);
		big[r % 100] += *cursor;
		hexo_check_migrate();
		acc += (long)big[(r * 7) % 100] + small[r % 8];
	}
	return acc;
}

static int heap_list(void)
{
	int local = 11;
	int **cells = malloc(4 * sizeof(*cells));

	for (int i = 0; i < 4; i++)
		cells[i] = &local;
	for (int i = 0; i < 4; i++)
		bump(cells[i], i + 1);
	free(cells);
	return local;
}

int main(void)
{
	printf("nest %d\n", nest(50, NULL));
	printf("holders %d\n", holders());
	printf("arrays %ld\n", arrays(300));
	printf("heap %d\n", heap_list());
	return 0;
}
