/**
 * The one test of "an absolute http(s) URL", for every URL a customer or operator gives Courier:
 * registration fields, mapping rows, the network policy and the CLI's --url.
 */
export type HttpUrlCheck = { url: URL } | { problem: 'not a URL' | 'not http(s)' };

export function checkHttpUrl(value: string): HttpUrlCheck {
  const url = URL.parse(value);
  if (url === null) return { problem: 'not a URL' };
  // WHATWG parsing gives http and https URLs a host, or fails: the scheme is all left to check.
  return url.protocol === 'http:' || url.protocol === 'https:' ? { url } : { problem: 'not http(s)' };
}

export const isHttpUrl = (value: string): boolean => 'url' in checkHttpUrl(value);
