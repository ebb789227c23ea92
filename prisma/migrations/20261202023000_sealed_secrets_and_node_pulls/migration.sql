-- Secrets sealed at rest: new columns hold the sealed text. Rows from before keep their plaintext
-- signing_secret until a process holding COURIER_SECRETS_KEY starts and seals them (it then empties
-- the column), so no key has to reach the migration.
ALTER TABLE "services" ALTER COLUMN "signing_secret" DROP NOT NULL,
ADD COLUMN     "signing_secret_sealed" TEXT,
ADD COLUMN     "notification_secret_sealed" TEXT;

-- CreateTable
CREATE TABLE "node_pulls" (
    "id" BIGSERIAL NOT NULL,
    "service_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,
    "version" TEXT,

    CONSTRAINT "node_pulls_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "node_pulls_service_id_node_id_at_idx" ON "node_pulls"("service_id", "node_id", "at");

-- AddForeignKey
ALTER TABLE "node_pulls" ADD CONSTRAINT "node_pulls_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
