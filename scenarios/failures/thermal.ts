import { z } from "zod";
import { thermalThrottling } from "../../models/failures/thermal.js";
import { secondsToUs } from "../../sim/time.js";
import { atMost, countUpTo } from "../fields.js";
import { zDuration } from "../units.js";
import { injectVerb, type FailureKind } from "./kind.js";

/** A temperature in °C, within what GPUs meet. */
function temperature() {
  return z.number().min(-100, "expected at least -100").max(1_000, atMost(1_000, ""));
}

const schema = z
  .strictObject({
    kind: z.literal("thermal"),
    ambientC: temperature().default(25),
    heatPerBusyNodeC: z.number().nonnegative().max(1_000, atMost(1_000, "")).default(55).describe("how far a busy node's GPUs settle above ambient"),
    timeConstant: zDuration({ positive: true }).default(300),
    rackCoupling: z.number().min(0).max(1).default(0.2).describe("share of busy rack mates' heat a node feels"),
    throttleAtC: temperature().default(83),
    maxC: temperature().default(95),
    minClockFactor: z.number().gt(0).lt(1).default(0.6),
    clockSteps: countUpTo(255, "clock steps a GPU has").default(4),
    hysteresisC: z.number().nonnegative().max(1_000, atMost(1_000, "")).default(8),
    step: zDuration({ positive: true }).default(60),
  })
  .refine((thermal) => thermal.throttleAtC < thermal.maxC, { message: "throttleAtC must be below maxC", path: ["throttleAtC"] });

/** GPUs heat with load and their rack mates' load, and clock down past a threshold. */
export const thermal: FailureKind<typeof schema> = {
  kind: "thermal",
  schema,
  nodePeriods: (thermal) => [{ path: ["step"], periodS: thermal.step }],
  wiring: (thermal) =>
    thermalThrottling({
      stepUs: secondsToUs(thermal.step),
      timeConstantUs: secondsToUs(thermal.timeConstant),
      ambientC: thermal.ambientC,
      heatPerBusyNodeC: thermal.heatPerBusyNodeC,
      rackCouplingFraction: thermal.rackCoupling,
      throttleAtC: thermal.throttleAtC,
      maxC: thermal.maxC,
      minClockFactor: thermal.minClockFactor,
      clockSteps: thermal.clockSteps,
      hysteresisC: thermal.hysteresisC,
    }),
  verbs: [
    injectVerb("3", "thermal throttle (1 h)", "throttle", 3_600),
  ],
};
