/**
 * Registering a service touches two systems, the database and Temporal, with no transaction
 * across them. The row is written first as `provisioning`, the workflow started idempotently, then
 * the row marked `active`: a failed start removes the row, and a crash between the steps leaves a
 * `provisioning` row that `reconcileProvisioning` completes. No step leaves an orphan.
 */
import { randomBytes } from 'node:crypto';
import { Prisma, type Service } from '@prisma/client';
import { SERVICE_WORKFLOW_TYPE, deregisterSignal, serviceWorkflowId, serviceWorkflowStartOptions } from '../../workflows/service/definitions';
import type { AppDeps } from '../deps';
import { problems } from '../http/problem';
import type { CreateService } from '../schemas/services';
import { secretsKeyring } from '../../config';
import { registrationColumns, secretColumns } from './registration';

/** Rows younger than this may still be mid-registration in another request. */
const PROVISIONING_GRACE_MS = 10_000;

type EngineDeps = Pick<AppDeps, 'db' | 'temporal' | 'config' | 'logger'>;

async function startServiceWorkflow(deps: EngineDeps, row: Pick<Service, 'id' | 'customerId' | 'name'>): Promise<void> {
  const options = serviceWorkflowStartOptions(
    {
      serviceId: row.id,
      customerId: row.customerId,
      serviceName: row.name,
      settings: { maxChildren: deps.config.COURIER_MAX_CHILDREN },
    },
    deps.config.COURIER_TASK_QUEUE,
  );
  // USE_EXISTING: a second start for the same service (retry, reconciler) finds the first one.
  await deps.temporal.workflow.start(SERVICE_WORKFLOW_TYPE, { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
}

/** Marks a provisioning row active; false when it is no longer provisioning (deleted meanwhile). */
async function activate(deps: EngineDeps, id: string): Promise<boolean> {
  const { count } = await deps.db.prisma.service.updateMany({ where: { id, status: 'provisioning' }, data: { status: 'active' } });
  return count === 1;
}

/** A new secret: 32 random bytes. */
export const generateSecret = (): string => randomBytes(32).toString('base64url');

export async function registerService(
  deps: EngineDeps,
  customerId: string,
  input: CreateService,
): Promise<{ row: Service; signingSecret: string; notificationSecret: string }> {
  const signingSecret = input.signingSecret ?? generateSecret();
  const notificationSecret = generateSecret();
  const sealed = secretColumns(secretsKeyring(deps.config), { signingSecret, notificationSecret });
  let row: Service;
  try {
    row = await deps.db.prisma.service.create({
      data: {
        ...registrationColumns(input),
        ...sealed,
        customerId,
        name: input.name,
        status: 'provisioning',
        taskQueue: deps.config.COURIER_TASK_QUEUE,
      },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw problems.conflict(`A service named '${input.name}' already exists (or is still being deleted).`);
    }
    throw err;
  }

  try {
    await startServiceWorkflow(deps, row);
  } catch (err) {
    deps.logger.warn({ err, serviceId: row.id }, 'service workflow did not start; registration rolled back');
    await deps.db.prisma.service.delete({ where: { id: row.id } });
    throw problems.unavailable('The workflow engine did not accept the service; nothing was registered. Retry shortly.', 5);
  }

  try {
    if (await activate(deps, row.id)) row = { ...row, status: 'active' };
  } catch (err) {
    // The workflow runs and the row exists: the reconciler marks it active later.
    deps.logger.warn({ err, serviceId: row.id }, 'service started but not yet marked active');
  }
  return { row, signingSecret, notificationSecret };
}

/** Finishes registrations interrupted between the insert and the activation. */
export async function reconcileProvisioning(deps: EngineDeps, graceMs = PROVISIONING_GRACE_MS): Promise<number> {
  const stuck = await deps.db.prisma.service.findMany({
    where: { status: 'provisioning', createdAt: { lt: new Date(Date.now() - graceMs) } },
    select: { id: true, customerId: true, name: true },
    take: 500,
  });
  let done = 0;
  for (const row of stuck) {
    try {
      await startServiceWorkflow(deps, row);
      if (await activate(deps, row.id)) done++;
      else if (!(await deps.db.prisma.service.findUnique({ where: { id: row.id }, select: { id: true } }))) {
        // Deleted (with no workflow to tell) while this start was under way: the new workflow serves nothing.
        // Active or deleting rows are someone else's to finish: another replica, or the deletion.
        await deps.temporal.workflow.getHandle(serviceWorkflowId(row.id)).signal(deregisterSignal);
      }
    } catch (err) {
      deps.logger.warn({ err, serviceId: row.id }, 'provisioning reconcile failed; will retry');
    }
  }
  return done;
}
