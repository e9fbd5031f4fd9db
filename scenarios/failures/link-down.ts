import { z } from "zod";
import { secondsToUs } from "../../sim/time.js";
import { countUpTo } from "../fields.js";
import { COUNT_MAX } from "../limits.js";
import { zDuration } from "../units.js";
import {  type FailureKind } from "./kind.js";

const linkDownSchema = z.strictObject({
  kind: z.literal("link-down"),
  at: zDuration(),
  duration: zDuration({ positive: true }),
  leaf: countUpTo(COUNT_MAX, "", true).describe("the leaf switch (rack) end of the cable"),
  spine: countUpTo(COUNT_MAX, "", true),
});

/** A fabric cable between a leaf and a spine switch goes down for a while. */
export const linkDown: FailureKind<typeof linkDownSchema> = {
  kind: "link-down",
  schema: linkDownSchema,
  check: (link, scenario) => {
    const fabric = scenario.cluster.fabric;
    if (fabric === undefined) return [{ path: ["kind"], message: "a link-down needs cluster.fabric" }];
    // A dragonfly has no leaves or spines to name: its cables are local and global links.
    if (fabric.topology !== "fat-tree") {
      return [{ path: ["leaf"], message: "a link-down cuts a leaf–spine cable of a fat-tree; cluster.fabric.topology is dragonfly" }];
    }
    const dragonfly = scenario.strategies.findIndex((strategy) => strategy.fabric?.topology === "dragonfly");
    if (dragonfly >= 0) {
      return [{ path: ["leaf"], message: `a link-down cuts a leaf–spine cable of a fat-tree; strategies[${dragonfly}].fabric.topology is dragonfly` }];
    }
    const spines = Math.min(fabric.spines, ...scenario.strategies.map((strategy) => (strategy.fabric?.topology === "fat-tree" ? strategy.fabric.spines : fabric.spines)));
    if (link.leaf < scenario.cluster.racks && link.spine < spines) return [];
    return [
      {
        path: [],
        message: `no cable between leaf ${link.leaf} and spine ${link.spine} (leaves 0–${scenario.cluster.racks - 1}, spines 0–${spines - 1})`,
      },
    ];
  },
  timedFault: (link) => ({ kind: "link-down", atUs: secondsToUs(link.at), durationUs: secondsToUs(link.duration), leaf: link.leaf, spine: link.spine }),
  verbs: [
    { key: "7", label: "link down (a rack's uplink, 1 h)", target: "rack", make: (target) => ({ kind: "link-down", target, durationS: 3_600 }) },
  ],
};
