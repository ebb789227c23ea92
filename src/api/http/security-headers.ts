import type { NextFunction, Request, Response } from 'express';

/**
 * Headers for a JSON API that browsers should neither render, frame, cache nor leak referrers
 * from: responses carry signing secrets and keys that must not sit in a shared cache. Swagger UI
 * at /docs is the one HTML page, and gets a policy that lets it load its own scripts and styles.
 */
const COMMON: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Browsers honour it only over HTTPS, where a production deployment's proxy terminates TLS.
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
};

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.set(COMMON);
  const docs = req.path === '/docs' || req.path.startsWith('/docs/');
  res.set('Content-Security-Policy', docs ? DOCS_CSP : API_CSP);
  if (!docs) res.set('Cache-Control', 'no-store');
  next();
}
