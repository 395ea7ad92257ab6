/* Worker threads that never make a pass slower than one thread (see pool.h). */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* A worker that has finished its parts looks for the next job this long
 * before it sleeps: consecutive passes of a run follow each other within it,
 * and waking a sleeping thread takes longer than a small pass.  It yields the
 * core at every look, so a busy process beside it loses nothing. */
#define LOOK_NS 200000

typedef struct {
    tn_pool *pool;
    int slot;
} seat;

struct tn_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* a job was posted, or the pool stops */
    pthread_cond_t finished;    /* the last part of the job is done */
    int workers;                /* threads started */
    pid_t owner;                /* the process that started them (a fork has none) */
    pthread_t ids[TN_PARTS];
    seat seats[TN_PARTS];
    /* The job, under lock: its number, its task and the slots it may use. */
    int stop;
    uint64_t generation;
    _Atomic uint64_t posted;    /* generation, for looking without the lock */
    pool_task run;
    const void *job;
    int parts, slots;
    /* Claims: the job's number (low 32 bits) << 32 | the next part to claim,
     * so a worker still holding an older job can claim nothing of a newer one. */
    _Atomic uint64_t ticket;
    _Atomic int done;           /* parts of the job finished */
};

static int claim(tn_pool *p, uint64_t generation, int parts)
{
    uint64_t t = atomic_load(&p->ticket);
    for (;;) {
        if ((t >> 32) != (generation & 0xffffffffu) || (int)(t & 0xffffffffu) >= parts)
            return -1;
        if (atomic_compare_exchange_weak(&p->ticket, &t, t + 1))
            return (int)(t & 0xffffffffu);
    }
}

static void finish(tn_pool *p, int parts)
{
    if (atomic_fetch_add(&p->done, 1) + 1 == parts) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->finished);
        pthread_mutex_unlock(&p->lock);
    }
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *work(void *arg)
{
    seat *s = arg;
    tn_pool *p = s->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (!p->stop && p->generation == seen) {
            pthread_mutex_unlock(&p->lock);
            for (int64_t until = now_ns() + LOOK_NS;
                 atomic_load(&p->posted) == seen && now_ns() < until;)
                sched_yield();
            pthread_mutex_lock(&p->lock);
        }
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop)
            break;
        seen = p->generation;
        pool_task run = p->run;
        const void *job = p->job;
        int parts = p->parts, mine = s->slot < p->slots;
        pthread_mutex_unlock(&p->lock);
        for (int part; mine && (part = claim(p, seen, parts)) >= 0;) {
            run(job, part, s->slot);
            finish(p, parts);
        }
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

tn_pool *tn_pool_new(int threads)
{
    tn_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->finished, NULL);
    p->owner = getpid();
    int want = threads - 1 < TN_PARTS - 1 ? threads - 1 : TN_PARTS - 1;
    for (int i = 0; i < want; i++) {
        p->seats[i] = (seat){p, i + 1};
        if (pthread_create(&p->ids[i], NULL, work, &p->seats[i]))
            break;          /* fewer workers: the caller takes their parts */
        p->workers++;
    }
    return p;
}

void tn_pool_free(tn_pool *p)
{
    if (!p)
        return;
    if (p->owner == getpid()) {
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->workers; i++)
            pthread_join(p->ids[i], NULL);
        pthread_cond_destroy(&p->finished);
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
    }
    free(p);
}

void pool_run(tn_pool *p, pool_task run, const void *job, int parts, int slots)
{
    if (!p || p->workers == 0 || slots <= 1 || parts <= 1 || p->owner != getpid()) {
        for (int part = 0; part < parts; part++)
            run(job, part, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    uint64_t generation = ++p->generation;
    atomic_store(&p->posted, generation);
    p->run = run;
    p->job = job;
    p->parts = parts;
    p->slots = slots;
    atomic_store(&p->done, 0);
    atomic_store(&p->ticket, (generation & 0xffffffffu) << 32);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int part; (part = claim(p, generation, parts)) >= 0;) {
        run(job, part, 0);
        finish(p, parts);
    }
    /* Every part is claimed: wait only for those a worker is computing. */
    if (atomic_load(&p->done) < parts) {
        pthread_mutex_lock(&p->lock);
        while (atomic_load(&p->done) < parts)
            pthread_cond_wait(&p->finished, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}
