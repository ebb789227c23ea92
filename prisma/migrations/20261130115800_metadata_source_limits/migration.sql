-- AlterTable
ALTER TABLE "services" ADD COLUMN     "metadata_max_concurrency" INTEGER,
ADD COLUMN     "metadata_max_requests_per_second" DOUBLE PRECISION;

