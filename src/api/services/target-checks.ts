/**
 * Registration-time checks of everything a registration asks Courier to call or read: the
 * metadata URL, the delivery endpoint, the webhook and the mapping bucket. The workers check
 * again at call time (src/net/guarded-agent.ts); this gives the customer the answer
 * now, with the field that is wrong.
 */
import { lookup } from 'node:dns/promises';
import type { Config } from '../../config';
import { expandTemplate } from '../../domain/protocol';
import { parseS3Uri } from '../../domain/s3-uri';
import { addressRefusal, bucketAllowed, urlRefusal, type NetworkPolicy } from '../../domain/url-safety';
import type { FieldError } from '../http/problem';
import { problems } from '../http/problem';
import type { Registration } from '../schemas/services';

/** A name that does not resolve within this is judged at call time instead. */
const RESOLVE_TIMEOUT_MS = 2_000;

async function resolvedRefusal(url: string, policy: NetworkPolicy): Promise<string | null> {
  const host = new URL(url).hostname;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => (timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS)));
  try {
    const addresses = await Promise.race([lookup(host, { all: true }).catch(() => []), timeout]);
    for (const { address } of addresses) {
      const reason = addressRefusal(address, policy);
      if (reason) return `host ${host} resolves to a refused address: ${reason}`;
    }
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** A template is judged with sample values: a host that varies by node is left to call time. */
async function urlIssue(path: string, template: string, policy: NetworkPolicy): Promise<FieldError | null> {
  const url = expandTemplate(template, { service: 'service', node: 'node' });
  const reason = urlRefusal(url, policy) ?? (await resolvedRefusal(url, policy));
  return reason ? { in: 'body', path, message: reason } : null;
}

async function urlIssues(targets: Record<string, string | undefined>, config: Config): Promise<FieldError[]> {
  const policy = { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS };
  const checks = Object.entries(targets).map(([path, url]) => (url === undefined ? null : urlIssue(path, url, policy)));
  return (await Promise.all(checks)).filter((issue): issue is FieldError => issue !== null);
}

/** URLs a request body names, by field path; refuses the request if any may not be called. */
export async function checkUrls(targets: Record<string, string | undefined>, config: Config): Promise<void> {
  const issues = await urlIssues(targets, config);
  if (issues.length > 0) throw problems.validation(issues);
}

export async function checkRegistrationTargets(reg: Registration, config: Config): Promise<void> {
  const issues = await urlIssues(
    {
      'metadata.url': reg.metadata.url,
      'delivery.endpoint': reg.delivery.endpoint,
      'delivery.secondaryEndpoint': reg.delivery.secondaryEndpoint,
      'notifications.webhookUrl': reg.notifications?.webhookUrl,
    },
    config,
  );
  // The schema has checked the s3://bucket/key form, so this parse cannot fail.
  const { bucket } = parseS3Uri(reg.mapping.uri);
  if (!bucketAllowed(bucket, config.COURIER_MAPPING_BUCKETS)) {
    issues.push({ in: 'body', path: 'mapping.uri', message: `bucket '${bucket}' is not one this deployment reads mappings from` });
  }
  if (issues.length > 0) throw problems.validation(issues);
}
