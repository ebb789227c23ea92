-- DropForeignKey
ALTER TABLE "nodes" DROP CONSTRAINT "nodes_service_id_fkey";

-- What ON DELETE CASCADE did, once per deleted service instead of a check per inserted node.
-- The body is an E'' string with \073 for each semicolon: Prisma's migration runner splits the
-- file at every semicolon, dollar quotes or not.
CREATE FUNCTION delete_service_nodes() RETURNS trigger LANGUAGE plpgsql
  AS E'BEGIN DELETE FROM nodes WHERE service_id = OLD.id\073 RETURN OLD\073 END';

CREATE TRIGGER services_delete_nodes AFTER DELETE ON services
  FOR EACH ROW EXECUTE FUNCTION delete_service_nodes();
