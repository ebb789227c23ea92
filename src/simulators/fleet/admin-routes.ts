import { z } from 'zod';
import { HttpError, parseWith, queryOf, readJson, sendJson, sendNoContent, type Route } from '../http/kit';
import { FaultListSchema } from './faults';
import type { Ledger } from './ledger';
import type { NodeFleet } from './types';

const ADMIN_MAX_BYTES = 2 * 1024 * 1024;

const LedgerQuerySchema = z.object({
  service: z.string().optional(),
  limit: z.coerce.number().int().min(0).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const NodeQuerySchema = z.object({ service: z.string().optional() });

const PullQuerySchema = z.object({ service: z.string().min(1) });

const SecretSchema = z.strictObject({ secret: z.string().min(1) });

/** Everything but deliveries: reading the ledger and stats, and changing faults and secrets at run time. */
export function adminRoutes(fleet: NodeFleet, ledger: Ledger): Route[] {
  return [
    { method: 'GET', path: /^\/healthz$/, handle: (_req, res) => sendJson(res, 200, { ok: true }) },
    { method: 'GET', path: /^\/stats$/, handle: (_req, res) => sendJson(res, 200, fleet.stats()) },
    {
      method: 'GET',
      path: /^\/ledger$/,
      handle: (_req, res, _params, url) => sendJson(res, 200, fleet.ledger(parseWith(LedgerQuerySchema, queryOf(url), 'query'))),
    },
    {
      method: 'GET',
      path: /^\/ledger\/([^/]+)$/,
      handle: (_req, res, [nodeId = ''], url) => {
        const { service } = parseWith(NodeQuerySchema, queryOf(url), 'query');
        const views = ledger.node(nodeId, service);
        if (views.length === 0) throw new HttpError(404, `no record of node '${nodeId}'${service === undefined ? '' : ` for service '${service}'`}`);
        if (views.length > 1) {
          throw new HttpError(409, `node '${nodeId}' holds copies of ${views.length} services; add ?service=`, {
            services: views.map((v) => v.service),
          });
        }
        sendJson(res, 200, views[0]);
      },
    },
    {
      method: 'POST',
      path: /^\/admin\/pull\/([^/]+)$/,
      handle: async (_req, res, [nodeId = ''], url) => {
        const { service } = parseWith(PullQuerySchema, queryOf(url), 'query');
        sendJson(res, 200, await fleet.pull(nodeId, service));
      },
    },
    { method: 'GET', path: /^\/admin\/faults$/, handle: (_req, res) => sendJson(res, 200, fleet.faults()) },
    {
      method: 'PUT',
      path: /^\/admin\/faults$/,
      handle: async (req, res) => {
        fleet.setFaults(await readJson(req, FaultListSchema, ADMIN_MAX_BYTES));
        sendJson(res, 200, fleet.faults());
      },
    },
    {
      method: 'DELETE',
      path: /^\/admin\/faults$/,
      handle: (_req, res) => {
        fleet.clearFaults();
        sendNoContent(res);
      },
    },
    {
      method: 'PUT',
      path: /^\/admin\/secrets\/([^/]+)$/,
      handle: async (req, res, [service = '']) => {
        fleet.setSecret(service, (await readJson(req, SecretSchema, ADMIN_MAX_BYTES)).secret);
        sendNoContent(res);
      },
    },
    {
      method: 'DELETE',
      path: /^\/admin\/secrets\/([^/]+)$/,
      handle: (_req, res, [service = '']) => {
        if (!fleet.deleteSecret(service)) throw new HttpError(404, `no secret set for service '${service}'`);
        sendNoContent(res);
      },
    },
    {
      method: 'POST',
      path: /^\/admin\/reset$/,
      handle: (_req, res) => {
        fleet.reset();
        sendNoContent(res);
      },
    },
  ];
}
