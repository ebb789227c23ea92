import type { Pool } from 'pg';
import type { MappingGrant } from '../domain/tenancy/mapping-grants';

/** What a mapping load must respect of its customer: its grants, quota overrides, and nodes elsewhere. */
export interface MappingTenancy {
  grants: MappingGrant[];
  /** The customer's stored quota overrides (src/domain/tenancy/quotas.ts). */
  quotas: unknown;
  /** Nodes the mappings of the customer's other services list. */
  nodesElsewhere: number;
}

export async function readMappingTenancy(pool: Pool, serviceId: string): Promise<MappingTenancy> {
  const { rows } = await pool.query<MappingTenancy>(
    `SELECT c.quotas,
            coalesce((SELECT json_agg(json_build_object('bucket', g.bucket, 'prefix', g.prefix))
                        FROM mapping_grants g WHERE g.customer_id = s.customer_id), '[]'::json) AS grants,
            (SELECT coalesce(sum(o.mapping_node_count), 0)::int FROM services o
              WHERE o.customer_id = s.customer_id AND o.id <> s.id AND o.status <> 'deleting') AS "nodesElsewhere"
       FROM services s JOIN customers c ON c.id = s.customer_id
      WHERE s.id = $1`,
    [serviceId],
  );
  return rows[0] ?? { grants: [], quotas: null, nodesElsewhere: 0 };
}
