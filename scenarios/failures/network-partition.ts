import { z } from "zod";
import { secondsToUs } from "../../sim/time.js";
import { zDuration } from "../units.js";
import { serviceFaultVerb, needsService, type FailureKind } from "./kind.js";

const networkPartitionSchema = z.strictObject({
  kind: z.literal("network-partition"),
  at: zDuration(),
  duration: zDuration({ positive: true }),
  service: z.string().describe("the control-plane service whose units are cut apart"),
});

/** A control-plane service's units are cut apart for a while. */
export const networkPartition: FailureKind<typeof networkPartitionSchema> = {
  kind: "network-partition",
  schema: networkPartitionSchema,
  check: (partition, scenario) => needsService(partition.service, scenario),
  timedFault: (partition) => ({
    kind: "network-partition",
    atUs: secondsToUs(partition.at),
    durationUs: secondsToUs(partition.duration),
    service: partition.service,
  }),
  verbs: [
    serviceFaultVerb("0", "control plane: units cut apart (30 min)", "partition", 1_800),
  ],
};
