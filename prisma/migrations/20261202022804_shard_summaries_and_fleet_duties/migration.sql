-- AlterTable
ALTER TABLE "services" ADD COLUMN     "mapping_bad_row_samples" JSONB,
ADD COLUMN     "task_queue" TEXT NOT NULL DEFAULT 'courier';

-- CreateTable
CREATE TABLE "shard_summaries" (
    "service_id" UUID NOT NULL,
    "shard" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "fresh" INTEGER NOT NULL,
    "pending" INTEGER NOT NULL,
    "failing" INTEGER NOT NULL,
    "expired" INTEGER NOT NULL,
    "covered" INTEGER NOT NULL,
    "at_risk" INTEGER NOT NULL,
    "next_due_at" TIMESTAMPTZ(3),
    "min_expires_at" TIMESTAMPTZ(3),
    "last_run_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shard_summaries_pkey" PRIMARY KEY ("service_id","shard")
);

-- CreateTable
CREATE TABLE "fleet_duties" (
    "name" TEXT NOT NULL,
    "ran_at" TIMESTAMPTZ(3) NOT NULL,
    "result" JSONB,

    CONSTRAINT "fleet_duties_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "shard_summaries_next_due_at_idx" ON "shard_summaries"("next_due_at");

-- CreateIndex
CREATE INDEX "shard_summaries_min_expires_at_idx" ON "shard_summaries"("min_expires_at");

-- CreateIndex
CREATE INDEX "services_customer_id_created_at_id_idx" ON "services"("customer_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "services_mapping_uri_idx" ON "services"("mapping_uri");

-- AddForeignKey
ALTER TABLE "shard_summaries" ADD CONSTRAINT "shard_summaries_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

