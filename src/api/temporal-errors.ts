import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';

/** gRPC status codes the API tells apart (from the gRPC spec; numeric so the API needs no gRPC import). */
const GRPC = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/** The gRPC status behind a Temporal client error, looking through `cause` wrappers. */
function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

export const isWorkflowNotFound = (err: unknown): boolean => err instanceof WorkflowNotFoundError;

/** The server refused for load: e.g. a workflow's limit of in-flight updates. */
export const isResourceExhausted = (err: unknown): boolean => grpcCode(err) === GRPC.RESOURCE_EXHAUSTED;

/** Temporal could not be reached at all. */
export const isTemporalUnreachable = (err: unknown): boolean => grpcCode(err) === GRPC.UNAVAILABLE;

/** Temporal could not be reached or did not answer: the caller should retry, it made no mistake. */
export const isTemporalUnavailable = (err: unknown): boolean =>
  isTemporalUnreachable(err) || grpcCode(err) === GRPC.DEADLINE_EXCEEDED;
