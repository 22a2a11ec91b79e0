// Shadow slots are aligned the same way on every ISA: x86-64 aligns a
// char array of 16 bytes or more to 16, aarch64 to 1; a slot gets 16 for
// 16 bytes or more, else the largest power of two dividing its size (at
// least the alloca's own alignment).
#include <hexo/migrate.h>

void fill(char *p, int n);

int run(void)
{
	char name[39];
	char key[16];
	short tag[3];
	int n;

	fill(name, sizeof(name));
	fill(key, sizeof(key));
	fill((char *)tag, sizeof(tag));
	fill((char *)&n, sizeof(n));
	hexo_check_migrate();
	return name[0] + key[1] + tag[2] + n;
}

// name 39@0 (16), key 16@48 (16), tag 6@64 (2), n 4@72 (4)
// LAYOUT:      fn run id=2acd4eca frame=80 align=16 slots=39@0,16@48,6@64,4@72
// LAYOUT-NEXT: site run 1 callee=point size=4 allocas= values=
