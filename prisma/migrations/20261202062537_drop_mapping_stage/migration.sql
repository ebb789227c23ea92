-- DropTable
DROP TABLE "mapping_stage";

