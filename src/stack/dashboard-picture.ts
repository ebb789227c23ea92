/**
 * `tsx src/stack/dashboard-picture.ts [out.svg] [minutes]`: the dashboard's main panels drawn from
 * the dev stack's Prometheus (`npm run dev` running), for the picture in the README.
 */
import { writeFileSync } from 'node:fs';
import { renderDashboard } from './dashboard';

const MAIN_PANELS = ['Coverage', 'At-risk and breached nodes', 'Deliveries by outcome', 'Lateness', 'Worker task slots', 'Temporal task latency'];

async function main(): Promise<void> {
  const [out = 'docs/images/dashboard.svg', minutes = '15'] = process.argv.slice(2);
  const svg = await renderDashboard(process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090', { minutes: Number(minutes), only: MAIN_PANELS });
  writeFileSync(out, `${svg}\n`);
  console.log(`dashboard picture written to ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
