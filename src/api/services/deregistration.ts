/**
 * Deleting a service: the row is marked `deleting` (hidden from then on) and the service workflow
 * told to stop its shards and purge the rows. Without a workflow to tell, the row goes directly.
 */
import { deregisterSignal, serviceWorkflowId } from '../../workflows/service/definitions';
import type { AppDeps } from '../deps';
import { isWorkflowNotFound } from '../temporal-errors';

type EngineDeps = Pick<AppDeps, 'db' | 'temporal' | 'logger'>;

/** Rows left `deleting` longer than this had their signal lost (a crash, Temporal down): send it again. */
const DELETING_GRACE_MS = 60_000;

async function tellWorkflow(deps: EngineDeps, serviceId: string): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(serviceWorkflowId(serviceId)).signal(deregisterSignal);
  } catch (err) {
    if (!isWorkflowNotFound(err)) throw err;
    await deps.db.prisma.service.deleteMany({ where: { id: serviceId, status: 'deleting' } });
  }
}

export async function deregisterService(deps: EngineDeps, serviceId: string): Promise<void> {
  await deps.db.prisma.service.update({ where: { id: serviceId }, data: { status: 'deleting' } });
  try {
    await tellWorkflow(deps, serviceId);
  } catch (err) {
    // The deletion is recorded; reconcileDeletions delivers the signal once Temporal answers.
    deps.logger.warn({ err, serviceId }, 'deregistration signal not delivered; will retry');
  }
}

export async function reconcileDeletions(deps: EngineDeps, graceMs = DELETING_GRACE_MS): Promise<void> {
  const stuck = await deps.db.prisma.service.findMany({
    where: { status: 'deleting', updatedAt: { lt: new Date(Date.now() - graceMs) } },
    select: { id: true },
    take: 500,
  });
  for (const { id } of stuck) {
    try {
      await tellWorkflow(deps, id);
    } catch (err) {
      deps.logger.warn({ err, serviceId: id }, 'deletion reconcile failed; will retry');
    }
  }
}
