-- AlterTable
ALTER TABLE "services" ADD COLUMN     "delivery_secondary_endpoint" TEXT;

