import { defineSearchAttributeKey, TypedSearchAttributes } from '@temporalio/common';

/** Custom search attributes registered on the Temporal namespace, so operators can find any workflow. */
export const serviceIdKey = defineSearchAttributeKey('CourierServiceId', 'KEYWORD');
export const customerIdKey = defineSearchAttributeKey('CourierCustomerId', 'KEYWORD');
export const shardKey = defineSearchAttributeKey('CourierShard', 'INT');

/**
 * The start options every workflow of a service family shares: its id, its one input, the
 * service's and customer's search attributes (and the shard's, for a shard), a summary for the Web UI.
 */
export function familyStartOptions<I extends { serviceId: string; customerId: string }>(
  workflowId: string,
  input: I,
  summary: string,
  shard?: number,
) {
  return {
    workflowId,
    args: [input] as [I],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: serviceIdKey, value: input.serviceId },
      { key: customerIdKey, value: input.customerId },
      ...(shard === undefined ? [] : [{ key: shardKey, value: shard }]),
    ]),
    staticSummary: summary,
  };
}

/** `temporal server start-dev --search-attribute` values for the keys above. */
export const SEARCH_ATTRIBUTE_FLAGS = ['CourierServiceId=Keyword', 'CourierCustomerId=Keyword', 'CourierShard=Int'];
