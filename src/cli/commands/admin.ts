import { ApiKeyCreatedSchema, CustomerSchema } from '../../api/schemas/admin';
import type { Command } from '../context';

export const adminCommands: Command[] = [
  {
    words: ['admin', 'customers', 'create'],
    summary: 'Create a customer (admin key)',
    admin: true,
    flags: { name: { type: 'string', value: 'NAME', description: "the customer's name", required: true } },
    fields: { name: '--name' },
    async run({ client, out }, input) {
      const { body } = await client.request('POST', '/v1/admin/customers', CustomerSchema, { name: input.string('name') });
      out.result(body, (c) => {
        out.line(`Created customer ${c.name}: ${c.id}`);
        out.line(`Give it a key with: courier admin keys create ${c.id}`);
      });
    },
  },
  {
    words: ['admin', 'keys', 'create'],
    summary: "Create an API key for a customer; prints the key, shown only this once (admin key)",
    admin: true,
    args: ['CUSTOMER_ID'],
    async run({ client, out }, input) {
      const { body } = await client.request('POST', `/v1/admin/customers/${encodeURIComponent(input.arg('CUSTOMER_ID'))}/keys`, ApiKeyCreatedSchema);
      out.result(body, (k) => out.line(k.key));
      out.note('The key is shown only now: store it; the customer uses it as COURIER_API_KEY or --key.');
    },
  },
];
