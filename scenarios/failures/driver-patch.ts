import { z } from "zod";
import { driverRollout } from "../../models/failures/driver-rollout.js";
import { secondsToUs } from "../../sim/time.js";
import { count } from "../fields.js";
import { zDuration } from "../units.js";
import { injectVerb, type FailureKind } from "./kind.js";

/** How a driver patch reaches the nodes; a strategy may replace it (`strategies[].rollout`). */
export const rolloutSchema = z.strictObject({
  strategy: z.enum(["big-bang", "canary"]),
  canaryNodes: count.default(2),
  waveFraction: z.number().gt(0).max(1).default(0.25).describe("share of the remaining nodes per wave"),
  waveInterval: zDuration({ positive: true }).default(3_600).describe("how long each step is watched"),
  haltFailureRate: z.number().min(0).max(1).default(0.2),
  minStarts: count.default(3).describe("starts on patched nodes needed to judge a step"),
  rollback: zDuration().default(1_800).describe("time to roll the patched nodes back"),
});

const schema = z.strictObject({
  kind: z.literal("driver-patch"),
  at: zDuration().describe("when the rollout starts"),
  bad: z.boolean().default(true).describe("whether the new driver breaks jobs (mismatches the CUDA runtime)"),
  rollout: rolloutSchema.prefault({ strategy: "big-bang" }),
});

/** A GPU driver rolled out in one go or in canary waves; a bad one breaks the jobs it meets. */
export const driverPatch: FailureKind<typeof schema> = {
  kind: "driver-patch",
  schema,
  wiring: (patch, strategy) => {
    const rollout = strategy.rollout ?? patch.rollout;
    return driverRollout({
      startUs: secondsToUs(patch.at),
      strategy: rollout.strategy,
      canaryNodes: rollout.canaryNodes,
      waveFraction: rollout.waveFraction,
      waveIntervalUs: secondsToUs(rollout.waveInterval),
      badPatch: patch.bad,
      haltFailureRate: rollout.haltFailureRate,
      minStarts: rollout.minStarts,
      rollbackUs: secondsToUs(rollout.rollback),
    });
  },
  verbs: [
    injectVerb("4", "bad driver (1 h)", "driver-mismatch", 3_600),
    { key: "d", label: "bad driver rollout (waves every 30 min)", target: null, make: () => ({ kind: "driver-rollout" }) },
  ],
};
