import { z } from "zod";
import { nodeCrashes } from "../../models/failures/node-crash.js";
import { durationDistribution, weibullShape } from "../fields.js";
import { zDuration } from "../units.js";
import { injectVerb, meanAsExponential, type FailureKind } from "./kind.js";

const schema = z.strictObject({
  kind: z.literal("node-crash"),
  mtbf: zDuration({ positive: true }).describe("mean time between failures of one node"),
  distribution: z
    .union([z.literal("exponential"), z.strictObject({ weibull: z.strictObject({ shape: weibullShape }) })])
    .default("exponential")
    .describe("shape of the time to failure"),
  repair: durationDistribution.describe("time to repair; a plain duration means exponential with that mean"),
});

/** Independent node crashes; Young/Daly checkpoint intervals read this MTBF. */
export const nodeCrash: FailureKind<typeof schema> = {
  kind: "node-crash",
  schema,
  expectedFailures: (crash, scenario, horizonS) => ({
    count: scenario.cluster.racks * scenario.cluster.nodesPerRack * (horizonS / crash.mtbf),
    field: "mtbf",
  }),
  wiring: (crash) =>
    nodeCrashes({
      timeToFailureS:
        crash.distribution === "exponential"
          ? { kind: "exponential", mean: crash.mtbf }
          : { kind: "weibull", shape: crash.distribution.weibull.shape, mean: crash.mtbf },
      repairS: meanAsExponential(crash.repair),
    }),
  verbs: [
    injectVerb("1", "node crash (4 h)", "node-crash", 4 * 3_600),
  ],
};
