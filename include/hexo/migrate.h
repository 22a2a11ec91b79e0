/* SPDX-License-Identifier: MIT */
/*
 * hexo's migration API, for programs built with hexocc.
 *
 * A migration point is a place where the job may stop and resume later,
 * on this machine or on one of another ISA, exactly there. hexocc's
 * instrumentation (toolchain/pass, docs/migration.md) turns every call below
 * into an inline test of the monitor's request flag; nothing happens unless
 * a migration or checkpoint was asked for (hexo run --migrate-after,
 * --checkpoint-every, SIGUSR1, the node agent, or hexo_force_migration()).
 *
 * Built with `hexocc --no-migration`, or called from code hexocc did not
 * compile from source, these functions do nothing.
 */
#ifndef HEXO_MIGRATE_H
#define HEXO_MIGRATE_H

#ifdef __cplusplus
extern "C" {
#endif

/* A migration point. */
void hexo_check_migrate(void);

/* The same, under the name the HEXO prototype (Popcorn Linux) used. */
void popcorn_check_migrate(void);

/* What hexo_force_migration() asks of the next migration point. */
#define HEXO_MIGRATE_NONE 0       /* cancel a request made by the program */
#define HEXO_MIGRATE_STOP 1       /* write a checkpoint and stop (migrate) */
#define HEXO_MIGRATE_CHECKPOINT 2 /* write a checkpoint and go on running */

/*
 * Makes the next migration point act as if the monitor had asked: with
 * HEXO_MIGRATE_STOP the job is checkpointed and stops (hexo exits 0 and
 * `hexo resume` continues it, on any ISA of the image); with
 * HEXO_MIGRATE_CHECKPOINT it is checkpointed and continues here.
 * The checkpoint goes to `hexo run --checkpoint FILE`. Without that
 * option the monitor refuses (one warning; the job goes on here) unless
 * the user asked for checkpoints too (--migrate-after, --checkpoint-every,
 * SIGUSR1): a program may not have a file written outside its job
 * directory on its own. `hexo resume` writes to the checkpoint it resumed.
 */
void hexo_force_migration(int mode);

#ifdef __cplusplus
}
#endif

#endif /* HEXO_MIGRATE_H */
