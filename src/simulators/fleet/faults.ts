import { z } from 'zod';
import { NODE_ID_PATTERN } from '../../domain/node-id';

/** Which requests a rule applies to: all of them unless narrowed to nodes, a fraction, or a time window. */
const Scope = {
  /** Exact node ids; absent means every node. */
  nodes: z.array(z.string().regex(NODE_ID_PATTERN, 'not a node id')).min(1).optional(),
  /** Fraction of matching requests hit, drawn independently per request; absent means all. */
  rate: z.number().min(0).max(1).optional(),
  /** The rule stops applying at this instant (epoch ms, on the fleet's clock). */
  untilEpochMs: z.number().int().nonnegative().optional(),
};

const FaultRuleSchema = z.discriminatedUnion('mode', [
  /** Destroy the socket before answering: the node is down. */
  z.strictObject({ ...Scope, mode: z.literal('refuse') }),
  /** Answer a non-2xx status. */
  z.strictObject({ ...Scope, mode: z.literal('error'), status: z.number().int().min(300).max(599).default(503) }),
  /** Never answer: the client's timeout decides. */
  z.strictObject({ ...Scope, mode: z.literal('hang') }),
  /** Answer 200 with an ack naming another version; the node keeps what it held. */
  z.strictObject({ ...Scope, mode: z.literal('wrongAck') }),
  /** Wait, then handle the request normally. */
  z.strictObject({ ...Scope, mode: z.literal('latency'), ms: z.number().int().min(0).max(600_000) }),
]);
export type FaultRule = z.output<typeof FaultRuleSchema>;
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;

/** `PUT /admin/faults` and `--faults` take one rule or a list. */
export const FaultListSchema = z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(FaultRuleSchema));

/** "These nodes are down" (or failing in another way). */
export const nodesDown = (nodes: string[], mode: 'refuse' | 'hang' = 'refuse'): FaultRuleInput => ({ nodes, mode });

/** "This fraction of all requests fail with `status`". */
export const failingRate = (rate: number, status = 503): FaultRuleInput => ({ rate, mode: 'error', status });

interface CompiledRule {
  rule: FaultRule;
  /** A set, so "these 10,000 nodes are down" costs one lookup per request. */
  nodes: Set<string> | null;
}

/** The fleet's fault rules; the first rule that matches a request applies. */
export class FaultPlan {
  private rules: CompiledRule[] = [];

  constructor(
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** Replaces every rule. Validates, so a typo fails loudly instead of silently faulting nothing. */
  set(rules: FaultRuleInput[]): void {
    this.rules = z
      .array(FaultRuleSchema)
      .parse(rules)
      .map((rule) => ({ rule, nodes: rule.nodes ? new Set(rule.nodes) : null }));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  match(nodeId: string): FaultRule | null {
    if (this.rules.length === 0) return null;
    const now = this.now();
    for (const { rule, nodes } of this.rules) {
      if (rule.untilEpochMs !== undefined && now >= rule.untilEpochMs) continue;
      if (nodes && !nodes.has(nodeId)) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      return rule;
    }
    return null;
  }
}
