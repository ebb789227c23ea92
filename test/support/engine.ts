/**
 * A whole Courier for one test file, on the real stack the global setup started: the worker as a
 * child process, the API in-process, simulated nodes and metadata source on loopback, mappings in
 * MinIO. Each engine has its own task queue, so test files never serve each other's workflows.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type { Agent } from 'undici';
import { createGuardedAgent } from '../../src/net/guarded-agent';
import { createS3Client } from '../../src/activities/s3';
import { createApp } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { startMetadataSource } from '../../src/simulators/metadata-source';
import { startNodeFleet } from '../../src/simulators/node-fleet';
import { adminKeyOf, MAPPING_BUCKET } from './tenants';
import { WorkerProcess } from './worker-process';

export { MAPPING_BUCKET };
export const FLEET_SECRET = 'test-fleet-signing-secret-0123456789abcdef';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface EngineOptions {
  /** Extra environment for the worker process (shard size, batch size...). */
  workerEnv?: Record<string, string>;
  /** Settings of the in-process API (it starts service workflows with them). */
  apiConfig?: Partial<Config>;
}

export class Engine {
  private constructor(
    readonly config: Config,
    readonly db: Database,
    readonly temporal: Client,
    private readonly connection: Connection,
    readonly s3: S3Client,
    readonly fleet: Awaited<ReturnType<typeof startNodeFleet>>,
    readonly source: Awaited<ReturnType<typeof startMetadataSource>>,
    private readonly server: Server,
    private readonly dispatcher: Agent,
    readonly apiUrl: string,
    readonly worker: WorkerProcess,
    public customerKey = '',
  ) {}

  static async start(name: string, options: EngineOptions = {}): Promise<Engine> {
    const taskQueue = `test-${name}-${Date.now().toString(36)}`;
    const config = loadConfig({ ...process.env, COURIER_TASK_QUEUE: taskQueue });
    const apiConfig: Config = { ...config, ...options.apiConfig };
    const db = connectDatabase(config.DATABASE_URL);
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const source = await startMetadataSource({ port: 0 });
    const dispatcher = createGuardedAgent({ policy: { allowPrivateNetworks: apiConfig.COURIER_ALLOW_PRIVATE_NETWORKS }, connections: 16 });
    const app = createApp({ db, temporal, config: apiConfig, logger: pino({ level: 'silent' }), dispatcher });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fleet = await startNodeFleet({ port: 0, secret: FLEET_SECRET, courierUrl: apiUrl });
    // Metrics off unless a test asks: every engine's worker would otherwise want the same port.
    const worker = new WorkerProcess({
      COURIER_WORKER_METRICS_PORT: '0',
      ...options.workerEnv,
      COURIER_TASK_QUEUE: taskQueue,
      COURIER_LOG_LEVEL: 'warn',
    });
    await worker.start();
    const engine = new Engine(config, db, temporal, connection, createS3Client(config), fleet, source, server, dispatcher, apiUrl, worker);
    engine.customerKey = await engine.createCustomer(name);
    return engine;
  }

  /** The deployment admin key, which the test stack sets. */
  get adminKey(): string {
    return adminKeyOf(this.config);
  }

  /** A new customer with one API key, granted the whole test mapping bucket; returns the key. */
  async createCustomer(name: string): Promise<string> {
    return (await this.createTenant(name, '')).key;
  }

  /** A new customer with one API key, granted `prefix` of the test mapping bucket. */
  async createTenant(name: string, prefix: string): Promise<{ id: string; key: string }> {
    const customer = await this.api('POST', '/v1/admin/customers', { name }, this.adminKey);
    const key = await this.api('POST', `/v1/admin/customers/${customer.body.id}/keys`, {}, this.adminKey);
    const grant = await this.api('POST', `/v1/admin/customers/${customer.body.id}/mapping-grants`, { bucket: MAPPING_BUCKET, prefix }, this.adminKey);
    if (grant.status !== 201) throw new Error(`granting ${name} the mapping bucket answered ${grant.status}`);
    return { id: customer.body.id as string, key: key.body.key as string };
  }

  async api<T = any>(method: string, path: string, body?: unknown, key = this.customerKey): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  async putMapping(key: string, content: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: MAPPING_BUCKET, Key: key, Body: content }));
    return `s3://${MAPPING_BUCKET}/${key}`;
  }

  /** A registration delivering to the simulated fleet. */
  registration(name: string, mappingUri: string, over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      name,
      mapping: { uri: mappingUri },
      metadata: { url: `${this.source.url}/v1/metadata?service={service}` },
      ttlSeconds: 20,
      refreshBeforeSeconds: 8,
      delivery: { endpoint: `${this.fleet.url}/nodes/{node}/metadata`, timeoutMs: 2000 },
      signingSecret: FLEET_SECRET,
      ...over,
    };
  }

  /** Registers a service delivering to the simulated fleet; returns its id. */
  async registerService(name: string, mappingUri: string, over: Record<string, unknown> = {}, key = this.customerKey): Promise<string> {
    return (await this.register(name, mappingUri, over, key)).id;
  }

  /** As registerService, with the whole answer: the id and the secrets shown once. */
  async register(
    name: string,
    mappingUri: string,
    over: Record<string, unknown> = {},
    key = this.customerKey,
  ): Promise<{ id: string; signingSecret: string; notificationSecret: string }> {
    const res = await this.api('POST', '/v1/services', this.registration(name, mappingUri, over), key);
    if (res.status !== 201) throw new Error(`registering ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async close(): Promise<void> {
    await this.worker.stop();
    await new Promise((resolve) => this.server.close(resolve));
    await this.dispatcher.close();
    await this.fleet.close();
    await this.source.close();
    await this.connection.close();
    await this.db.close();
  }
}

/** A CSV mapping of `count` nodes named `${prefix}${i}`. */
export function csvMapping(prefix: string, count: number, from = 0): string {
  const rows = Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
  return `node\n${rows.join('\n')}\n`;
}
