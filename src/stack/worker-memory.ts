/**
 * How a worker process starts, for its memory.
 *
 * glibc gives each thread that allocates its own arena, and the worker has many (Temporal's core
 * runtime, V8, libuv): two arenas kept the worker 100 MB smaller at 500 cached workflows, at no
 * measured CPU cost (docs/performance.md §9). The Dockerfile sets the same for the production image.
 */
export const WORKER_MEMORY_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * V8's young generation held to 16 MB (two 8 MB semi-spaces) instead of the 64 MB it grows to
 * while the worker starts: a million-node mapping load then peaked 45-75 MB higher, young garbage
 * and the socket Buffers it keeps until a scavenge (docs/performance.md §3). `gc` exposed for the
 * ranged read, which asks for a minor collection after each range to free that range's socket
 * Buffers (collectSocketChunks in src/activities/s3-ranges.ts). docker-compose.yml starts the
 * worker with the same flags.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=8', '--expose-gc'] as const;
