import { z } from "zod";
import { spotReclaims } from "../../models/failures/spot.js";
import { durationDistribution } from "../fields.js";
import { secondsToUs } from "../../sim/time.js";
import { zDuration } from "../units.js";
import {  meanAsExponential, type FailureKind } from "./kind.js";

const schema = z.strictObject({
  kind: z.literal("spot-preemption"),
  pool: z.string().describe("a pool with spot: true"),
  meanTimeBetween: zDuration({ positive: true }).describe("mean time between reclaims of one spot node"),
  notice: zDuration().default(120).describe("warning before the node is taken"),
  returnAfter: durationDistribution.prefault(3_600).describe("time until the capacity comes back; a plain duration is an exponential mean"),
});

/** The provider takes spot nodes back after a notice, and returns the capacity later. */
export const spotPreemption: FailureKind<typeof schema> = {
  kind: "spot-preemption",
  schema,
  check: (spot, scenario) => {
    const pools = [...scenario.cluster.pools, ...scenario.strategies.flatMap((strategy) => strategy.pools ?? [])];
    if (pools.some((pool) => pool.name === spot.pool && pool.spot)) return [];
    const names = [...new Set(pools.map((pool) => pool.name))].join(", ") || "none";
    return [{ path: ["pool"], message: `"${spot.pool}" is not a spot pool (pools: ${names})` }];
  },
  expectedFailures: (spot, scenario, horizonS) => ({
    count: scenario.cluster.racks * scenario.cluster.nodesPerRack * (horizonS / spot.meanTimeBetween),
    field: "meanTimeBetween",
  }),
  wiring: (spot) =>
    spotReclaims({
      timeToReclaimS: { kind: "exponential", mean: spot.meanTimeBetween },
      noticeUs: secondsToUs(spot.notice),
      returnAfterS: meanAsExponential(spot.returnAfter),
    }),
  verbs: [
    { key: "6", label: "spot wave (every spot node on notice)", target: null, make: () => ({ kind: "spot-wave" }) },
  ],
};
