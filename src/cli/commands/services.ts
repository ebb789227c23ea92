import { ActionAcceptedSchema, MAPPING_FORMATS, ServiceAcceptedSchema, ServiceCreatedSchema, ServiceDetailSchema, ServiceListSchema, ServiceSchema, type ServiceDetail, type ServiceView } from '../../api/schemas/services';
import type { FlagSpec, Flags, Input } from '../args';
import { listAll, servicePath, type Command } from '../context';
import { orDash, relative, type Output } from '../output';

/** One flag per registration field of POST/PATCH /v1/services, by its place in the body. */
const REGISTRATION: { flag: string; field: string; spec: FlagSpec }[] = [
  { flag: 'name', field: 'name', spec: { type: 'string', value: 'NAME', description: 'service name: a-z, 0-9 and "-"', required: true } },
  { flag: 'mapping', field: 'mapping.uri', spec: { type: 'string', value: 'S3_URI', description: 'the mapping object listing the nodes, s3://bucket/key', required: true } },
  { flag: 'format', field: 'mapping.format', spec: { type: 'string', value: 'FORMAT', description: `mapping format: ${MAPPING_FORMATS.join(', ')} (default auto)` } },
  { flag: 'metadata-url', field: 'metadata.url', spec: { type: 'string', value: 'URL', description: 'metadata source; {service} and {node} are substituted', required: true } },
  { flag: 'ttl', field: 'ttlSeconds', spec: { type: 'integer', value: 'SECONDS', description: 'lifetime of each delivered copy', required: true } },
  { flag: 'refresh-before', field: 'refreshBeforeSeconds', spec: { type: 'integer', value: 'SECONDS', description: 'refresh this long before a copy expires (default ttl/3)' } },
  { flag: 'metadata-max-concurrency', field: 'metadata.maxConcurrency', spec: { type: 'integer', value: 'N', description: 'requests at once your metadata source takes' } },
  { flag: 'metadata-max-rps', field: 'metadata.maxRequestsPerSecond', spec: { type: 'number', value: 'RATE', description: 'requests per second your metadata source takes' } },
  { flag: 'endpoint', field: 'delivery.endpoint', spec: { type: 'string', value: 'URL', description: 'node delivery endpoint; {node} is substituted', required: true } },
  { flag: 'secondary-endpoint', field: 'delivery.secondaryEndpoint', spec: { type: 'string', value: 'URL', description: 'tried after repeated failures at the endpoint' } },
  { flag: 'timeout-ms', field: 'delivery.timeoutMs', spec: { type: 'integer', value: 'MS', description: 'delivery timeout per node (default 5000)' } },
  { flag: 'webhook-url', field: 'notifications.webhookUrl', spec: { type: 'string', value: 'URL', description: 'where alerts are posted' } },
  { flag: 'email', field: 'notifications.email', spec: { type: 'string', value: 'ADDRESS', description: 'where alerts are mailed' } },
  { flag: 'signing-secret', field: 'signingSecret', spec: { type: 'string', value: 'SECRET', description: 'your own HMAC key, 32+ characters (default: generated)' } },
];

const registrationFlags = (register: boolean): Flags =>
  Object.fromEntries(
    REGISTRATION.filter((r) => register || r.flag !== 'name').map((r) => [r.flag, { ...r.spec, required: register && r.spec.required }]),
  );

const registrationFields = Object.fromEntries(REGISTRATION.map((r) => [r.field, `--${r.flag}`]));

/** The body POST or PATCH takes, from the flags given: nested objects only for fields set. */
function registrationBody(input: Input): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const { flag, field, spec } of REGISTRATION) {
    const value = spec.type === 'integer' ? input.integer(flag) : spec.type === 'number' ? input.number(flag) : input.string(flag);
    if (value === undefined) continue;
    const path = field.split('.');
    let target = body;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1] as string] = value;
  }
  return body;
}

function printRegistration(out: Output, s: ServiceView, extra: [string, string][] = []): void {
  out.fields([
    ['id', s.id],
    ['name', s.name],
    ['mapping', `${s.mapping.uri} (${s.mapping.format})`],
    ['metadata', s.metadata.url],
    ['ttl', `${s.ttlSeconds} s, refresh ${s.refreshBeforeSeconds} s before expiry`],
    ['delivery', `${s.delivery.endpoint}${s.delivery.secondaryEndpoint ? `, then ${s.delivery.secondaryEndpoint}` : ''} (timeout ${s.delivery.timeoutMs} ms)`],
    ['notifications', orDash([s.notifications?.webhookUrl, s.notifications?.email].filter(Boolean).join(', '))],
    ...extra,
  ]);
}

function liveFields(s: ServiceDetail, now: number): [string, string][] {
  const n = s.nodes;
  const mapping = s.mapping.loadedAt
    ? `${orDash(s.mapping.nodeCount)} nodes, etag ${orDash(s.mapping.etag)}, loaded ${relative(s.mapping.loadedAt, now)}`
    : 'not loaded yet';
  return [
    ['state', s.state],
    ['mapping status', `${mapping}${s.mapping.badRows > 0 ? `, ${s.mapping.badRows} bad rows` : ''}`],
    ...(s.mapping.error ? ([['mapping error', s.mapping.error]] as [string, string][]) : []),
    ...(s.mapping.held ? ([['mapping held', s.mapping.held]] as [string, string][]) : []),
    ['nodes', `${n.total} total: ${n.fresh} fresh, ${n.pending} pending, ${n.failing} failing, ${n.expired} expired`],
    ['alerts', `${s.alerts.atRisk} at risk, ${s.alerts.breached} breached`],
    ['next due', relative(s.nextRefreshAt, now)],
    ['last cycle', relative(s.lastCycleAt, now)],
  ];
}

const idArg = { args: ['ID'] };

/** POST actions on a service that answer 202 with ActionAccepted. */
function action(words: string[], summary: string, path: string, done: (id: string) => string): Command {
  return {
    words,
    summary,
    ...idArg,
    async run({ client, out }, input) {
      const { body } = await client.request('POST', servicePath(input.arg('ID'), ...path.split('/')), ActionAcceptedSchema);
      out.result(body, (a) => out.line(done(a.id)));
    },
  };
}

export const serviceCommands: Command[] = [
  {
    words: ['services', 'register'],
    summary: 'Register a service; prints its signing and notification secrets, shown only this once',
    flags: registrationFlags(true),
    fields: registrationFields,
    async run({ client, out }, input) {
      const { body } = await client.request('POST', '/v1/services', ServiceCreatedSchema, registrationBody(input));
      out.result(body, (s) => {
        out.line(`Registered service ${s.name}: ${s.id}`);
        out.line(`signing secret: ${s.signingSecret}`);
        out.line(`notification secret: ${s.notificationSecret}`);
      });
      out.note(
        'Both secrets are shown only now. Give the signing secret to your nodes to verify deliveries; keep the notification secret for your webhook receiver only (it verifies webhooks, and no node may hold it).',
      );
    },
  },
  {
    words: ['services', 'list'],
    summary: 'List your services',
    async run({ client, out }) {
      const items = await listAll(client, '/v1/services', ServiceListSchema);
      out.result(items, () =>
        out.table(
          ['ID', 'NAME', 'STATUS', 'TTL', 'MAPPING'],
          items.map((s) => [s.id, s.name, s.status, `${s.ttlSeconds} s`, s.mapping.uri]),
        ),
      );
    },
  },
  {
    words: ['services', 'show'],
    summary: 'A service: its registration and live status',
    ...idArg,
    async run({ client, out }, input) {
      const detail = await client.get(servicePath(input.arg('ID')), ServiceDetailSchema);
      out.result(detail, (s) => printRegistration(out, s, liveFields(s, Date.now())));
    },
  },
  {
    words: ['services', 'update'],
    summary: 'Change a registration: any flag of register but --name',
    ...idArg,
    flags: registrationFlags(false),
    fields: registrationFields,
    async run({ client, out }, input) {
      const changes = registrationBody(input);
      if (Object.keys(changes).length === 0) throw input.usageError('services update: nothing to change; pass at least one flag');
      const { body } = await client.request('PATCH', servicePath(input.arg('ID')), ServiceSchema, changes);
      out.result(body, (s) => printRegistration(out, s));
    },
  },
  {
    words: ['services', 'delete'],
    summary: 'Deregister a service; its nodes stop receiving deliveries',
    ...idArg,
    async run({ client, out }, input) {
      const { body } = await client.request('DELETE', servicePath(input.arg('ID')), ServiceAcceptedSchema);
      out.result(body, (s) => out.line(`Service ${s.id} is being deleted; its nodes receive no more deliveries.`));
    },
  },
  action(['services', 'refresh'], 'Deliver to every node of a service now', 'refresh', (id) => `Refresh of every node requested; follow it with: courier watch ${id}`),
  action(['services', 'reload-mapping'], 'Re-read the mapping object now', 'mapping/reload', (id) => `Mapping reload requested; follow it with: courier watch ${id}`),
];
