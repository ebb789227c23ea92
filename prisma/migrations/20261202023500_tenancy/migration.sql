-- Tenancy (issue 13): mapping grants, quota overrides, rate buckets shared by API processes,
-- idempotency records sealed and scoped per API key, audit rows for refused keys.

-- AlterTable
ALTER TABLE "customers" ADD COLUMN "quotas" JSONB;

-- CreateTable
CREATE TABLE "mapping_grants" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "bucket" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mapping_grants_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "mapping_grants_customer_id_bucket_prefix_key" ON "mapping_grants"("customer_id", "bucket", "prefix");

-- AddForeignKey
ALTER TABLE "mapping_grants" ADD CONSTRAINT "mapping_grants_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Services registered before grants existed keep loading: each customer is granted the folder
-- (key prefix up to the last slash) of every mapping object it names now, nothing wider
INSERT INTO "mapping_grants" ("id", "customer_id", "bucket", "prefix")
SELECT gen_random_uuid(), "customer_id", "bucket", "prefix"
  FROM (SELECT DISTINCT "customer_id",
               split_part(substr("mapping_uri", 6), '/', 1) AS "bucket",
               regexp_replace(substr("mapping_uri", 7 + length(split_part(substr("mapping_uri", 6), '/', 1))), '[^/]*$', '') AS "prefix"
          FROM "services" WHERE "mapping_uri" LIKE 's3://%/%') AS "named";

-- CreateTable
CREATE TABLE "rate_limits" (
    "key" TEXT NOT NULL,
    "tat" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "rate_limits_tat_idx" ON "rate_limits"("tat");

-- The old records hold responses, signing secrets and API keys among them, in plaintext
DROP TABLE "idempotency_records";

-- CreateTable
CREATE TABLE "idempotency_records" (
    "caller_key_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "sealed_body" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("caller_key_id", "key")
);

-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

-- AlterTable
ALTER TABLE "audit_events" ALTER COLUMN "actor_scope" DROP NOT NULL;
