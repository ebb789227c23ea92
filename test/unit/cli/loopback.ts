import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server answering each request with the next of `replies`; it records what it received. */
export async function serve(replies: Reply[]) {
  const received: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    received.push(req);
    req.resume();
    req.on('end', () => (replies.shift() ?? ((_q, r) => r.writeHead(500).end()))(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
}
