-- Status counts a service's open alert episodes on every read, and few nodes have one, so a
-- partial index keeps that count cheap at millions of nodes. Prisma's schema cannot express a
-- partial index, and the next schema diff leaves it alone. (No semicolons in comments here:
-- the migration runner splits statements on them.)
CREATE INDEX "nodes_open_alert_idx" ON "nodes" ("service_id", "alert") WHERE "alert" IS NOT NULL;
