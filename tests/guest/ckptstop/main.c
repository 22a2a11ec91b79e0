/* A program that asks to be stopped and checkpointed (hexo_force_migration)
 * when the user gave no --checkpoint FILE: the default file, IMAGE's name
 * with .ckpt in the caller's current directory, is outside the job
 * directory, so the monitor refuses and the job goes on (check.sh). */
#include <hexo/migrate.h>
#include <stdio.h>

int main(void)
{
	printf("before the point\n");
	fflush(stdout);
	hexo_force_migration(HEXO_MIGRATE_STOP);
	hexo_check_migrate();
	printf("after the point\n");
	return 0;
}
