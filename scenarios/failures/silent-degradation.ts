import { z } from "zod";
import { silentDegradation as degradationModel } from "../../models/failures/degradation.js";
import { COUNT_MAX } from "../limits.js";
import { secondsToUs } from "../../sim/time.js";
import { atMost, count, countUpTo } from "../fields.js";
import { zDuration } from "../units.js";
import type { FailureKind } from "./kind.js";

/** Quarantine of nodes with many ECC errors; a strategy may replace it (`strategies[].healthPolicy`). */
export const healthPolicySchema = z.strictObject({
  checkInterval: zDuration({ positive: true }).default(600),
  window: zDuration({ positive: true }).default(86_400),
  quarantineAfter: count.default(20).describe("ECC errors in the window that quarantine a node"),
  repair: zDuration({ positive: true }).default(8 * 3_600),
});

const schema = z.strictObject({
  kind: z.literal("silent-degradation"),
  eccErrorsPerHour: z.number().nonnegative().max(3_600, atMost(3_600, "one a second")).default(0.01),
  badNodeEccErrorsPerHour: z.number().nonnegative().max(3_600, atMost(3_600, "one a second")).default(2),
  badNodeFraction: z.number().min(0).max(1).default(0.02),
  degradeAfterErrors: countUpTo(COUNT_MAX, "", true).default(10),
  clockLossPerError: z.number().min(0).max(1).default(0.01),
  minClockFactor: z.number().gt(0).max(1).default(0.5),
  crashAfterErrors: countUpTo(COUNT_MAX, "", true).default(50),
  crashProbability: z.number().min(0).max(1).default(0.02),
  reboot: zDuration({ positive: true }).default(600),
  healthPolicy: healthPolicySchema.nullable().default(null).describe("quarantine nodes with many ECC errors; null: none"),
});

/** ECC errors slow a node's clocks before they crash it; a health check may quarantine it first. */
export const silentDegradation: FailureKind<typeof schema> = {
  kind: "silent-degradation",
  schema,
  expectedFailures: (degradation, scenario, horizonS) => ({
    count:
      scenario.cluster.racks *
      scenario.cluster.nodesPerRack *
      (horizonS / 3_600) *
      Math.max(degradation.eccErrorsPerHour, degradation.badNodeEccErrorsPerHour * degradation.badNodeFraction),
    field: "eccErrorsPerHour",
  }),
  nodePeriods: (degradation) =>
    degradation.healthPolicy === null ? [] : [{ path: ["healthPolicy", "checkInterval"], periodS: degradation.healthPolicy.checkInterval }],
  wiring: (degradation, strategy) => {
    const policy = strategy.healthPolicy === undefined ? degradation.healthPolicy : strategy.healthPolicy;
    return degradationModel(
      {
        eccErrorsPerH: degradation.eccErrorsPerHour,
        badNodeEccErrorsPerH: degradation.badNodeEccErrorsPerHour,
        badNodes: null,
        badNodeFraction: degradation.badNodeFraction,
        degradeAfterErrors: degradation.degradeAfterErrors,
        clockLossPerError: degradation.clockLossPerError,
        minClockFactor: degradation.minClockFactor,
        crashAfterErrors: degradation.crashAfterErrors,
        crashProbability: degradation.crashProbability,
        rebootUs: secondsToUs(degradation.reboot),
      },
      policy === null
        ? null
        : {
            checkIntervalUs: secondsToUs(policy.checkInterval),
            windowUs: secondsToUs(policy.window),
            quarantineAfter: policy.quarantineAfter,
            repairUs: secondsToUs(policy.repair),
          },
    );
  },
};
