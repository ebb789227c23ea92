/** Customer-side receivers of notifications: a webhook endpoint and an SMTP server, on loopback. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface WebhookCall {
  status: number;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { kind: string; severity: string; message: string; service: { id: string; name: string } | null; data: { nodeCount: number } };
}

export class WebhookReceiver {
  readonly calls: WebhookCall[] = [];
  /** Requests still to be answered 503, as a receiver that is down would. */
  failNext = 0;
  url = '';

  private readonly server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const status = this.failNext > 0 ? 503 : 204;
      if (status === 503) this.failNext--;
      this.calls.push({ status, headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(status).end();
    });
  });

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks/courier`;
    return receiver;
  }

  accepted(serviceId?: string): WebhookCall[] {
    return this.calls.filter((c) => c.status === 204 && (serviceId === undefined || c.body.service?.id === serviceId));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface Mail {
  to: string[];
  raw: string;
  subject: string;
}

export class MailReceiver {
  readonly mails: Mail[] = [];
  url = '';

  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
        this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, subject });
        callback();
      });
    },
  });

  static async start(): Promise<MailReceiver> {
    const receiver = new MailReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `smtp://127.0.0.1:${(receiver.server.server.address() as AddressInfo).port}`;
    return receiver;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
