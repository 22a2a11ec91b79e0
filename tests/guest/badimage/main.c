/* A good image for the bad-image cases in check.sh to damage. */
#include <stdio.h>

int main(void)
{
	printf("good image ran\n");
	return 0;
}
