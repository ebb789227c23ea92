import { z } from 'zod';
import { NODE_STATES } from '../../domain/node-state';
import { NodeDeliveredSchema, NodeListSchema, NodeRefreshPendingSchema, NodeSchema, type NodeView } from '../../api/schemas/nodes';
import { listAll, servicePath, type Command } from '../context';
import { orDash, relative } from '../output';

const nodeArgs = { args: ['ID', 'NODE'], fields: { nodeId: 'NODE' } };
const RefreshAnswerSchema = z.union([NodeDeliveredSchema, NodeRefreshPendingSchema]);

const nodeRow = (n: NodeView, now: number): string[] => [
  n.nodeId,
  n.state,
  orDash(n.version),
  n.expiresAt ? `${n.expiresAt} (${relative(n.expiresAt, now)})` : '-',
  String(n.attempts),
  orDash(n.lastError),
];

export const nodeCommands: Command[] = [
  {
    words: ['nodes', 'list'],
    summary: "A service's nodes, optionally only those in one state",
    args: ['ID'],
    flags: { state: { type: 'string', value: 'STATE', description: `only nodes in this state: ${NODE_STATES.join(', ')}` } },
    fields: { state: '--state' },
    async run({ client, out }, input) {
      const nodes = await listAll(client, servicePath(input.arg('ID'), 'nodes'), NodeListSchema, { state: input.string('state') });
      const now = Date.now();
      out.result(nodes, () => out.table(['NODE', 'STATE', 'VERSION', 'EXPIRES', 'ATTEMPTS', 'LAST ERROR'], nodes.map((n) => nodeRow(n, now))));
    },
  },
  {
    words: ['nodes', 'show'],
    summary: "One node's delivery state",
    ...nodeArgs,
    async run({ client, out }, input) {
      const node = await client.get(servicePath(input.arg('ID'), 'nodes', input.arg('NODE')), NodeSchema);
      out.result(node, (n) => {
        const now = Date.now();
        out.fields([
          ['node', n.nodeId],
          ['state', n.state],
          ['version', orDash(n.version)],
          ['delivered', n.deliveredAt ? `${n.deliveredAt} (${relative(n.deliveredAt, now)})` : '-'],
          ['expires', n.expiresAt ? `${n.expiresAt} (${relative(n.expiresAt, now)})` : '-'],
          ['attempts', String(n.attempts)],
          ['last error', orDash(n.lastError)],
          ['endpoint', orDash(n.endpoint)],
          ['shard', String(n.shard)],
        ]);
      });
    },
  },
  {
    words: ['nodes', 'refresh'],
    summary: 'Deliver to one node now and wait for its ack; --endpoint adds a node the mapping does not list',
    ...nodeArgs,
    flags: { endpoint: { type: 'string', value: 'URL', description: "the node's delivery endpoint, for a node not in the mapping" } },
    fields: { ...nodeArgs.fields, endpoint: '--endpoint' },
    async run({ client, out }, input) {
      const endpoint = input.string('endpoint');
      const path = servicePath(input.arg('ID'), 'nodes', input.arg('NODE'), 'refresh');
      const { body } = await client.request('POST', path, RefreshAnswerSchema, endpoint === undefined ? undefined : { endpoint });
      out.result(body, (answer) => {
        if ('version' in answer) {
          out.line(`Node ${answer.nodeId} acked version ${answer.version}; its copy expires ${answer.expiresAt} (${relative(answer.expiresAt, Date.now())}).`);
        } else {
          const why = answer.lastError ? `: ${answer.lastError}` : '';
          out.line(`Node ${answer.nodeId} has not acked yet (${answer.state}${why}); the delivery goes on.`);
          out.line(`Follow it with: courier nodes show ${input.arg('ID')} ${answer.nodeId}`);
        }
      });
    },
  },
];
