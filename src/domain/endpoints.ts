/**
 * Which endpoint a delivery attempt goes to. A node is pushed at its primary endpoint; once
 * `secondaryAfter` attempts in a row have failed, attempts alternate between the secondary and
 * the primary, so a primary that recovers is found again instead of being abandoned.
 */
export type EndpointRole = 'primary' | 'secondary';

/** `attempt` is the attempt's number in the node's current round: 1 after an ack. */
export function endpointRole(attempt: number, secondaryAfter: number, hasSecondary: boolean): EndpointRole {
  const failedBefore = attempt - 1;
  if (!hasSecondary || failedBefore < secondaryAfter) return 'primary';
  return (failedBefore - secondaryAfter) % 2 === 0 ? 'secondary' : 'primary';
}
