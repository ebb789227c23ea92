import { setTimeout as sleep } from 'node:timers/promises';
import { NotificationListSchema } from '../../api/schemas/notifications';
import { withQuery, type Command } from '../context';

const PAGE = 100;

export const notificationCommands: Command[] = [
  {
    words: ['notifications', 'tail'],
    summary: 'Print your notifications, oldest first; --follow keeps printing new ones (one JSON line each with --json)',
    flags: {
      service: { type: 'string', value: 'ID', description: "only this service's notifications" },
      follow: { type: 'boolean', description: 'keep polling for new notifications' },
      interval: { type: 'integer', value: 'SECONDS', description: 'between polls with --follow (default 5)' },
    },
    fields: { serviceId: '--service' },
    async run({ client, out }, input) {
      const intervalMs = (input.integer('interval') ?? 5) * 1000;
      if (intervalMs <= 0) throw input.usageError('--interval: must be at least 1');
      // The list hands back a cursor after its last item even on the last page: polling it finds only newer ones.
      let cursor: string | undefined;
      for (;;) {
        const query = { serviceId: input.string('service'), limit: String(PAGE), cursor };
        const page = await client.get(withQuery('/v1/notifications', query), NotificationListSchema);
        for (const n of page.items) {
          out.result(n, () => out.line([n.createdAt, n.severity.padEnd(8), n.kind.padEnd(14), n.serviceId ?? '-', n.message].join('  ')));
        }
        cursor = page.nextCursor ?? undefined;
        if (page.items.length < PAGE) {
          if (!input.boolean('follow')) return;
          await sleep(intervalMs);
        }
      }
    },
  },
];
