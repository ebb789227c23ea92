/**
 * Customer endpoints that misbehave on purpose, on loopback: one that answers a byte at a time
 * forever, one that never answers. Each records when every connection opened and closed, so a test
 * can tell how long Courier held on.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';

export interface HeldConnection {
  openedAt: number;
  closedAt: number | null;
  path: string;
}

export class HostileServer {
  readonly connections: HeldConnection[] = [];
  url = '';
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: Server | TcpServer) {}

  /** A status line at once, then one byte of its headers every `everyMs`: the headers never end. */
  static async trickleHeaders(everyMs = 200): Promise<HostileServer> {
    const server = createTcpServer();
    const hostile = new HostileServer(server);
    server.on('connection', (socket) => {
      socket.once('data', (chunk: Buffer) => {
        const held: HeldConnection = { openedAt: Date.now(), closedAt: null, path: chunk.toString('latin1').split(' ')[1] ?? '' };
        hostile.connections.push(held);
        socket.write('HTTP/1.1 200 OK\r\nX-Slow: ');
        hostile.trickle(held, socket, () => socket.write('a'), everyMs);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hostile.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return hostile;
  }

  /**
   * `trickle`: a 200 with headers at once, then one byte of body every `everyMs`, never ending.
   * `hang`: reads the request and never answers.
   */
  static async start(mode: 'trickle' | 'hang', everyMs = 200): Promise<HostileServer> {
    const server = createServer();
    const hostile = new HostileServer(server);
    server.on('request', (req, res) => {
      const held: HeldConnection = { openedAt: Date.now(), closedAt: null, path: req.url ?? '' };
      hostile.connections.push(held);
      req.resume();
      if (mode === 'hang') {
        res.on('close', () => (held.closedAt = Date.now()));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      hostile.trickle(held, res, () => res.write(' '), everyMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hostile.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return hostile;
  }

  /** Writes a byte every `everyMs` until the peer lets go, and notes when it did. */
  private trickle(held: HeldConnection, stream: { on(event: 'close', listener: () => void): unknown }, write: () => void, everyMs: number): void {
    const timer = setInterval(write, everyMs);
    this.timers.add(timer);
    stream.on('close', () => {
      held.closedAt = Date.now();
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }

  /** Connections Courier still holds open. */
  open(): HeldConnection[] {
    return this.connections.filter((c) => c.closedAt === null);
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    if ('closeAllConnections' in this.server) this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
