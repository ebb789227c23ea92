import { defineSearchAttributeKey } from '@temporalio/common';

/** Custom search attributes registered on the Temporal namespace, so operators can find any workflow. */
export const serviceIdKey = defineSearchAttributeKey('CourierServiceId', 'KEYWORD');
export const customerIdKey = defineSearchAttributeKey('CourierCustomerId', 'KEYWORD');
export const shardKey = defineSearchAttributeKey('CourierShard', 'INT');

/** `temporal server start-dev --search-attribute` values for the keys above. */
export const SEARCH_ATTRIBUTE_FLAGS = ['CourierServiceId=Keyword', 'CourierCustomerId=Keyword', 'CourierShard=Int'];
