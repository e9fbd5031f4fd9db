import { z } from "zod";
import { failureLogReplay } from "../../models/failures/lanl-log.js";
import { assert } from "../../sim/assert.js";
import { countUpTo } from "../fields.js";
import { zDuration } from "../units.js";
import type { FailureKind } from "./kind.js";

const schema = z.strictObject({
  kind: z.literal("failure-log"),
  format: z.literal("lanl"),
  path: z.string().min(1).describe("relative to the scenario file; .gz read as is"),
  system: countUpTo(1_000).describe("which LANL system's failures to replay"),
  start: zDuration().default(0).describe("when the log's first failure lands"),
});

/** A real failure log replayed onto the cluster; `prepareScenario` reads the file once. */
export const failureLog: FailureKind<typeof schema> = {
  kind: "failure-log",
  schema,
  wiring: (_log, _strategy, prepared) => {
    assert(prepared.failureLog !== null, "a scenario with a failure log is prepared with its records");
    return failureLogReplay(prepared.failureLog.records, { startUs: prepared.failureLog.startUs });
  },
};
