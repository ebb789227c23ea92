import { Pool } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';

/**
 * One connection pool per process, shared by Prisma (registration, status, API lists) and by the
 * hot paths that write thousands of node rows in one statement through plain SQL.
 */
export interface Database {
  pool: Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function connectDatabase(connectionString: string, maxConnections = 10): Database {
  const pool = new Pool({ connectionString, max: maxConnections });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
