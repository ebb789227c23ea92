import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApiClient } from './api-client';
import { MAPPINGS_BUCKET, s3Client, type S3Settings } from './s3';

/** Fixed so the node fleet, started beside the API, can verify the demo's signatures. */
export const DEMO_SIGNING_SECRET = 'courier-dev-demo-signing-secret-0123456789';
const SERVICE = 'demo';
const NODE_COUNT = 200;
const MAPPING_PREFIX = 'demo/';
const MAPPING_KEY = `${MAPPING_PREFIX}nodes.csv`;

export interface DemoOptions {
  apiUrl: string;
  adminKey: string;
  s3: S3Settings;
  fleetUrl: string;
  sourceUrl: string;
  /** Keeps the demo customer's key across runs (the API shows a key only once). */
  stateFile: string;
}

interface DemoState {
  customerId: string;
  customerKey: string;
  serviceId?: string;
}

export interface Demo extends DemoState {
  serviceId: string;
  nodeCount: number;
}

/**
 * The demo service, set up through the public API as a customer would: a mapping of simulated
 * nodes in S3, a customer with a key and a grant of the demo/ prefix, and the registration. A rerun reuses all of it.
 */
export async function setUpDemo(options: DemoOptions): Promise<Demo> {
  await uploadMapping(options);
  const state = await demoCustomer(options);
  // Every run: a dev database from before mapping grants existed has the customer without one.
  await new ApiClient(options.apiUrl, options.adminKey).expect('POST', `/v1/admin/customers/${state.customerId}/mapping-grants`, [201], {
    bucket: MAPPINGS_BUCKET,
    prefix: MAPPING_PREFIX,
  });
  const customer = new ApiClient(options.apiUrl, state.customerKey);
  const serviceId = await registerService(customer, options);
  const demo = { ...state, serviceId, nodeCount: NODE_COUNT };
  writeFileSync(options.stateFile, `${JSON.stringify({ customerId: demo.customerId, customerKey: demo.customerKey, serviceId }, null, 2)}\n`);
  return demo;
}

async function uploadMapping(options: DemoOptions): Promise<void> {
  const rows = Array.from({ length: NODE_COUNT }, (_, i) => {
    const node = `demo-node-${String(i + 1).padStart(3, '0')}`;
    return `${node},${options.fleetUrl}/nodes/${node}/metadata`;
  });
  const client = s3Client(options.s3);
  try {
    await client.send(new PutObjectCommand({ Bucket: MAPPINGS_BUCKET, Key: MAPPING_KEY, Body: ['node,endpoint', ...rows, ''].join('\n'), ContentType: 'text/csv' }));
  } finally {
    client.destroy();
  }
}

/** The saved customer key while the API still accepts it; a new customer otherwise (a wiped database). */
async function demoCustomer(options: DemoOptions): Promise<DemoState> {
  if (existsSync(options.stateFile)) {
    const saved = JSON.parse(readFileSync(options.stateFile, 'utf8')) as DemoState;
    const probe = await new ApiClient(options.apiUrl, saved.customerKey).request('GET', '/v1/services?limit=1');
    if (probe.status === 200) return saved;
  }
  const admin = new ApiClient(options.apiUrl, options.adminKey);
  const customer = await admin.expect('POST', '/v1/admin/customers', [201], { name: SERVICE });
  const customerId = (customer.body as { id: string }).id;
  const key = await admin.expect('POST', `/v1/admin/customers/${customerId}/keys`, [201]);
  return { customerId, customerKey: (key.body as { key: string }).key };
}

async function registerService(customer: ApiClient, options: DemoOptions): Promise<string> {
  const created = await customer.expect('POST', '/v1/services', [201, 409], {
    name: SERVICE,
    mapping: { uri: `s3://${MAPPINGS_BUCKET}/${MAPPING_KEY}`, format: 'auto' },
    metadata: { url: `${options.sourceUrl}/v1/metadata?service={service}&node={node}` },
    ttlSeconds: 120,
    refreshBeforeSeconds: 40,
    delivery: { endpoint: `${options.fleetUrl}/nodes/{node}/metadata`, timeoutMs: 5000 },
    signingSecret: DEMO_SIGNING_SECRET,
  });
  if (created.status === 201) return (created.body as { id: string }).id;

  // Registered on an earlier run: find its id in the customer's list.
  const list = await customer.expect('GET', '/v1/services?limit=100', [200]);
  const items = (list.body as { items?: { id: string; name: string }[] }).items ?? [];
  const found = items.find((s) => s.name === SERVICE);
  if (!found) throw new Error(`POST /v1/services said '${SERVICE}' exists, but GET /v1/services does not list it`);
  return found.id;
}
