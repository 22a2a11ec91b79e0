/* Function pointers in heap data, called through with points inside. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>

struct op {
	const char *name;
	long (*fn)(long, long);
	struct op *next;
};

static long add(long a, long b)
{
	hexo_check_migrate();
	return a + b;
}

static long mul(long a, long b)
{
	hexo_check_migrate();
	return (a * b) % 1000000007;
}

static long sub(long a, long b)
{
	return a - b;
}

static struct op *push(struct op *list, const char *name, long (*fn)(long, long))
{
	struct op *o = malloc(sizeof(*o));

	o->name = name;
	o->fn = fn;
	o->next = list;
	return o;
}

int main(void)
{
	struct op *ops = NULL;
	long v = 7;

	ops = push(ops, "add", add);
	ops = push(ops, "mul", mul);
	ops = push(ops, "sub", sub);
	ops = push(ops, "mul", mul);
	for (int i = 0; i < 5; i++) {
		for (struct op *o = ops; o; o = o->next) {
			v = o->fn(v, i + 3);
			printf("%s -> %ld\n", o->name, v);
		}
	}
	while (ops) {
		struct op *n = ops->next;
		free(ops);
		ops = n;
	}
	return 0;
}
