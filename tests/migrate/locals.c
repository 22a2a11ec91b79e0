/* Pointers to locals kept in structs and passed down, static locals, and
 * a local array, all live across migration points. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <string.h>

struct ctx {
	int *counter;
	double *acc;
	char *name;
	struct ctx *parent;
};

static int calls(void)
{
	static int n;

	return ++n;
}

static void walk(struct ctx *c, int level)
{
	char label[32];
	struct ctx child = {c->counter, c->acc, label, c};

	snprintf(label, sizeof(label), "%s/%d", c->name, level);
	*c->counter += level;
	*c->acc += 0.5 * level;
	hexo_check_migrate();
	if (level < 6)
		walk(&child, level + 1);
	printf("%s counter=%d acc=%.2f calls=%d parent=%s\n", label, *child.counter, *child.acc,
	       calls(), c->parent ? c->parent->name : "-");
}

int main(void)
{
	int counter = 0;
	double acc = 1.0;
	char name[8] = "root";
	struct ctx top = {&counter, &acc, name, NULL};
	int squares[64];

	for (int i = 0; i < 64; i++)
		squares[i] = i * i;
	for (int r = 0; r < 3; r++) {
		walk(&top, 1);
		hexo_check_migrate();
		squares[r] += counter;
		printf("after round %d: counter=%d acc=%.2f squares[%d]=%d\n", r, counter, acc, r,
		       squares[r]);
	}
	int sum = 0;
	for (int i = 0; i < 64; i++)
		sum += squares[i];
	printf("sum=%d name=%s len=%zu\n", sum, name, strlen(name));
	return 3;
}
