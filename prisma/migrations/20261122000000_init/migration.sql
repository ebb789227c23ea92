-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('admin', 'customer');

-- CreateEnum
CREATE TYPE "ServiceStatus" AS ENUM ('provisioning', 'active', 'deleting');

-- CreateEnum
CREATE TYPE "MappingFormat" AS ENUM ('auto', 'lines', 'csv', 'ndjson', 'json');

-- CreateEnum
CREATE TYPE "NodeOrigin" AS ENUM ('mapping', 'api');

-- CreateTable
CREATE TABLE "customers" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "customer_id" UUID,
    "scope" "ApiKeyScope" NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "services" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "ServiceStatus" NOT NULL DEFAULT 'provisioning',
    "mapping_uri" TEXT NOT NULL,
    "mapping_format" "MappingFormat" NOT NULL DEFAULT 'auto',
    "metadata_url" TEXT NOT NULL,
    "ttl_seconds" INTEGER NOT NULL,
    "refresh_before_seconds" INTEGER NOT NULL,
    "delivery_endpoint" TEXT NOT NULL,
    "delivery_timeout_ms" INTEGER NOT NULL,
    "notifications" JSONB,
    "signing_secret" TEXT NOT NULL,
    "shard_count" INTEGER NOT NULL DEFAULT 0,
    "mapping_etag" TEXT,
    "mapping_node_count" INTEGER,
    "mapping_loaded_at" TIMESTAMPTZ(3),
    "mapping_bad_rows" INTEGER NOT NULL DEFAULT 0,
    "mapping_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "services_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "nodes" (
    "service_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "endpoint" TEXT,
    "hash" INTEGER NOT NULL,
    "shard" INTEGER NOT NULL,
    "origin" "NodeOrigin" NOT NULL DEFAULT 'mapping',
    "mapping_etag" TEXT,
    "version" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_attempt_at" TIMESTAMPTZ(3),

    CONSTRAINT "nodes_pkey" PRIMARY KEY ("service_id","node_id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "service_id" UUID,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "customer_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("customer_id","key")
);

-- CreateTable
CREATE TABLE "mapping_stage" (
    "load_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "endpoint" TEXT,
    "hash" INTEGER NOT NULL,
    "line" INTEGER NOT NULL,

    CONSTRAINT "mapping_stage_pkey" PRIMARY KEY ("load_id","node_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "services_customer_id_name_key" ON "services"("customer_id", "name");

-- CreateIndex
CREATE INDEX "nodes_service_id_shard_next_attempt_at_idx" ON "nodes"("service_id", "shard", "next_attempt_at");

-- CreateIndex
CREATE INDEX "notifications_customer_id_created_at_idx" ON "notifications"("customer_id", "created_at");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "services" ADD CONSTRAINT "services_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

