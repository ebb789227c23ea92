-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_key_id" TEXT NOT NULL,
    "actor_scope" "ApiKeyScope" NOT NULL,
    "customer_id" UUID,
    "method" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "target" JSONB NOT NULL,
    "fields" TEXT[],
    "status" INTEGER NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "audit_events_customer_id_at_idx" ON "audit_events"("customer_id", "at");

