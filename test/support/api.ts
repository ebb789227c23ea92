/**
 * One in-process API on an ephemeral port, on the real database and Temporal, and a client for
 * it. A call can come from another loopback address (127.0.0.2...), for limits kept per source.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { Agent, fetch } from 'undici';
import { createGuardedAgent } from '../../src/net/guarded-agent';
import { createApp } from '../../src/api/app';
import type { ApiTiming } from '../../src/api/deps';
import { loadConfig, type Config } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';

const FAST: Partial<ApiTiming> = { forcedRefreshWaitMs: 1_000, readinessTimeoutMs: 1_000 };

export interface Reply {
  status: number;
  type: string;
  headers: { get(name: string): string | null };
  body: any;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent as is, for malformed or non-JSON bodies. */
  raw?: string;
  headers?: Record<string, string>;
  /** The loopback address the request leaves from. */
  from?: string;
}

export class Api {
  private readonly sources = new Map<string, Agent>();

  private constructor(
    private readonly server: Server,
    private readonly dispatcher: Agent,
    readonly url: string,
  ) {}

  static async start(deps: { db: Database; temporal: Client; config: Config }): Promise<Api> {
    const dispatcher = createGuardedAgent({ policy: { allowPrivateNetworks: deps.config.COURIER_ALLOW_PRIVATE_NETWORKS }, connections: 4 });
    const app = createApp({ ...deps, logger: pino({ level: 'silent' }), timing: FAST, dispatcher });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return new Api(server, dispatcher, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url + path, { method, headers, body, dispatcher: options.from ? this.source(options.from) : undefined });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, headers: res.headers, body: type.includes('json') ? JSON.parse(text) : text };
  }

  private source(address: string): Agent {
    let agent = this.sources.get(address);
    if (!agent) this.sources.set(address, (agent = new Agent({ localAddress: address })));
    return agent;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([this.dispatcher.close(), ...[...this.sources.values()].map((agent) => agent.close())]);
  }
}

export interface ApiStack {
  config: Config;
  db: Database;
  temporal: Client;
  api: Api;
  /** Another API process on the same database and Temporal, with settings of its own. */
  another(over: Partial<Config>): Promise<Api>;
  close(): Promise<void>;
}

/** The API in-process on the test stack, with its own task queue: no worker runs what it starts. */
export async function startApiStack(name: string, over: Partial<Config> = {}): Promise<ApiStack> {
  const config = { ...loadConfig({ ...process.env, COURIER_TASK_QUEUE: `${name}-${Date.now().toString(36)}` }), ...over };
  const db = connectDatabase(config.DATABASE_URL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const apis = [await Api.start({ db, temporal, config })];
  return {
    config,
    db,
    temporal,
    api: apis[0]!,
    async another(settings) {
      const api = await Api.start({ db, temporal, config: { ...config, ...settings } });
      apis.push(api);
      return api;
    },
    async close() {
      await Promise.all(apis.map((api) => api.stop()));
      for await (const wf of temporal.workflow.list({ query: `TaskQueue = '${config.COURIER_TASK_QUEUE}' AND ExecutionStatus = 'Running'` })) {
        await temporal.workflow.getHandle(wf.workflowId).terminate(`${name} finished`).catch(() => undefined);
      }
      await connection.close();
      await db.close();
    },
  };
}
