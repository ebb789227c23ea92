/**
 * Signing secrets by service name (Contract 2: each service has its own). Services without one
 * use the fleet's default, so a demo needs to configure only one secret.
 */
export class SecretBook {
  private readonly byService: Map<string, string>;

  constructor(
    private readonly fallback: string,
    initial: Record<string, string> = {},
  ) {
    this.byService = new Map(Object.entries(initial));
  }

  for(service: string): string {
    return this.byService.get(service) ?? this.fallback;
  }

  set(service: string, secret: string): void {
    this.byService.set(service, secret);
  }

  delete(service: string): boolean {
    return this.byService.delete(service);
  }
}
