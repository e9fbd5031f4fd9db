import { z } from "zod";
import { rackPowerOutages } from "../../models/failures/correlated.js";
import { count, durationDistribution } from "../fields.js";
import { zDuration } from "../units.js";
import { injectVerb, meanAsExponential, type FailureKind } from "./kind.js";

const schema = z.strictObject({
  kind: z.literal("rack-power"),
  mtbf: zDuration({ positive: true }).describe("mean time between power losses of one rack (or domain)"),
  repair: durationDistribution.describe("time until power returns; a plain duration is an exponential mean"),
  racksPerDomain: count.default(1).describe("racks sharing a power domain"),
});

/** Correlated failures: a power domain's racks go down together. */
export const rackPower: FailureKind<typeof schema> = {
  kind: "rack-power",
  schema,
  expectedFailures: (rack, scenario, horizonS) => ({ count: scenario.cluster.racks * (horizonS / rack.mtbf), field: "mtbf" }),
  wiring: (rack) =>
    rackPowerOutages({
      racksPerDomain: rack.racksPerDomain,
      timeToFailureS: { kind: "exponential", mean: rack.mtbf },
      repairS: meanAsExponential(rack.repair),
    }),
  verbs: [
    injectVerb("2", "rack power loss (4 h)", "rack-power", 4 * 3_600),
  ],
};
