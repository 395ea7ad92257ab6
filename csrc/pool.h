/* Worker threads that never make a pass slower than one thread: the kernel's
 * internals, not part of its API beyond tuinn.h's tn_pool_new / tn_pool_free.
 *
 * A pass is cut into parts fixed by its size (tuinn.c's part_count), so the
 * bits never depend on who computes a part.  The calling thread posts the
 * parts, wakes the workers, and claims parts itself; a worker that wakes takes
 * what is left.  The caller waits only for parts a worker has started: a
 * worker that no core was free to run (beside another busy process) leaves
 * its share to the caller instead of stalling it.  Idle workers sleep on a
 * condition variable; nothing spins.
 */
#ifndef TUINN_POOL_H
#define TUINN_POOL_H
#include "tuinn.h"

/* run(job, part, slot): part `part` of the job, on block buffers `slot`
 * (0: the caller's, 1.. one per worker). */
typedef void (*pool_task)(const void *job, int part, int slot);

/* Runs parts 0..parts-1 of job on the caller and the pool's workers, using
 * block buffer slots 0..slots-1 at most (a NULL pool, or one slot: the caller
 * alone); returns when every part is done. */
void pool_run(tn_pool *pool, pool_task run, const void *job, int parts, int slots);

#endif
