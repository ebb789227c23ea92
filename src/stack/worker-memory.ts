/**
 * The environment a worker process starts with, for its memory. glibc gives each thread that
 * allocates its own arena, and the worker has many (Temporal's core runtime, V8, libuv): two
 * arenas kept the worker 100 MB smaller at 500 cached workflows, at no measured CPU cost
 * (docs/performance.md §9). The Dockerfile sets the same for the production image.
 */
export const WORKER_MEMORY_ENV = { MALLOC_ARENA_MAX: '2' } as const;
