-- The next due time of a node takes the name the shard summary already uses (next_due_at),
-- renamed in place, so that no row loses its schedule.
ALTER TABLE "nodes" RENAME COLUMN "next_attempt_at" TO "next_due_at";

-- The index keeps its columns, and its name follows, as Prisma names @@index([serviceId, shard, nextDueAt]).
ALTER INDEX "nodes_service_id_shard_next_attempt_at_idx" RENAME TO "nodes_service_id_shard_next_due_at_idx";
