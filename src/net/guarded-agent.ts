/**
 * The HTTP agent every customer-given URL is called through. Its connector checks the address
 * each connection actually goes to against the network policy — after DNS, so a name that
 * resolves to a metadata or private address is refused even if it looked harmless when the
 * service was registered.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { addressRefusal, type NetworkPolicy } from '../domain/url-safety';

/** The connection was refused by the network policy, not by the peer. */
class AddressRefused extends Error {
  readonly code = 'COURIER_ADDRESS_REFUSED';
  constructor(host: string, reason: string) {
    super(`refused by network policy: ${host}: ${reason}`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup with every answer checked; one refused address refuses the name. */
function guardedLookup(policy: NetworkPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err, []);
      for (const { address } of addresses) {
        const reason = addressRefusal(address, policy);
        if (reason) return callback(new AddressRefused(hostname, reason), []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedAgentOptions {
  policy: NetworkPolicy;
  connections: number;
  keepAliveTimeout?: number;
}

export function createGuardedAgent({ policy, connections, keepAliveTimeout = 30_000 }: GuardedAgentOptions): Agent {
  const connect = buildConnector({ lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  return new Agent({
    connections,
    keepAliveTimeout,
    connect(options, callback) {
      // An IP literal never reaches the lookup, so it is judged here.
      const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
      const reason = isIP(host) !== 0 ? addressRefusal(host, policy) : null;
      if (reason) return callback(new AddressRefused(host, reason), null);
      connect(options, callback);
    },
  });
}
