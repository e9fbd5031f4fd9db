import { z } from "zod";
import { secondsToUs } from "../../sim/time.js";
import { count } from "../fields.js";
import { zDuration } from "../units.js";
import {  type FailureKind } from "./kind.js";

const metadataStormSchema = z.strictObject({
  kind: z.literal("metadata-storm"),
  at: zDuration(),
  ops: count.describe("metadata operations flooding the metadata server at once (a small-file storm)"),
});

/** A small-file storm floods the parallel filesystem's metadata server at once. */
export const metadataStorm: FailureKind<typeof metadataStormSchema> = {
  kind: "metadata-storm",
  schema: metadataStormSchema,
  check: (_storm, scenario) => (scenario.cluster.storage === undefined ? [{ path: ["kind"], message: "a metadata storm needs cluster.storage" }] : []),
  timedFault: (storm) => ({ kind: "metadata-storm", atUs: secondsToUs(storm.at), ops: storm.ops }),
  verbs: [
    { key: "8", label: "metadata storm", target: null, make: () => ({ kind: "metadata-storm" }) },
  ],
};
