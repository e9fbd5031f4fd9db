/**
 * The batch scheduling policies a scenario may name, declared once: the schema's choices,
 * the translation to the scheduler's backfilling rule, the scheduler's reported name and
 * the game day's "scheduler: …" actions all derive from this table.
 *
 * To add a policy: add a row here and implement its rule in `BatchScheduler`
 * (models/scheduler/batch.ts), which the type checker then asks for.
 */
export const SCHEDULER_POLICIES = [
  {
    name: "fifo",
    backfill: "none",
    label: "FIFO",
    description: "first come, first served: the first job that does not fit blocks every job behind it",
  },
  {
    name: "easy-backfill",
    backfill: "easy",
    label: "EASY backfill",
    description: "a later job may start now if it does not delay the reservation of the first waiting job",
  },
  {
    name: "conservative-backfill",
    backfill: "conservative",
    label: "conservative backfill",
    description: "every waiting job holds a reservation; a later job may start now if it delays none of them",
  },
] as const;

export type SchedulerPolicyName = (typeof SCHEDULER_POLICIES)[number]["name"];

/** The backfilling rule a policy runs (Mu'alem and Feitelson, IEEE TPDS 2001). */
export type BackfillMode = (typeof SCHEDULER_POLICIES)[number]["backfill"];

export const SCHEDULER_POLICY_NAMES: readonly SchedulerPolicyName[] = SCHEDULER_POLICIES.map((policy) => policy.name);

export function backfillOf(name: SchedulerPolicyName): BackfillMode {
  const policy = SCHEDULER_POLICIES.find((candidate) => candidate.name === name);
  if (policy === undefined) throw new Error(`unknown scheduler policy "${name}"`);
  return policy.backfill;
}

export function policyNameOf(mode: BackfillMode): SchedulerPolicyName {
  const policy = SCHEDULER_POLICIES.find((candidate) => candidate.backfill === mode);
  if (policy === undefined) throw new Error(`no scheduler policy runs backfill "${mode}"`);
  return policy.name;
}
