import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gamedayFinalJson } from "../../reports/postmortem.js";
import { jobsCsv, runsCsv } from "../../reports/csv.js";
import { summaryJson, tracesJson } from "../../reports/json.js";
import { bundledScenarios, loadScenario } from "../../scenarios/library.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runScenario } from "../../runner/run.js";
import { replaySession } from "../../runner/gameday/play.js";
import type { LoggedCommand } from "../../runner/gameday/session.js";

/**
 * Every bundled scenario's result files, pinned by their SHA-256: a refactor must leave
 * them byte-identical, and a change to a model's numbers shows up here, on purpose, with
 * the golden re-recorded (`UPDATE_GOLDENS=1 npx vitest run test/goldens`). Each scenario
 * runs with its own seed and two replications (one for a trace replay). A played game day
 * is pinned too: the night shift with an operator's commands. Math.log and Math.exp may
 * differ between Node majors, so the file notes the one it was recorded on.
 */
const GOLDEN = join(import.meta.dirname, "bundled.json");

interface Golden {
  readonly nodeMajor: number;
  readonly files: Record<string, string>;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const NIGHT_SHIFT: readonly LoggedCommand[] = [
  { atUs: 4_000_000_000, command: { kind: "ack" } },
  { atUs: 5_000_000_000, command: { kind: "drain", node: "r01n05" } },
  { atUs: 12_000_000_000, command: { kind: "rollback-driver" } },
  { atUs: 26_000_000_000, command: { kind: "repair", node: "r03n00" } },
  { atUs: 30_000_000_000, command: { kind: "scheduler", policy: "fifo" } },
  { atUs: 32_000_000_000, command: { kind: "checkpoint-now" } },
];

async function currentFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const bundled of bundledScenarios()) {
    const loaded = await loadScenario(bundled.path);
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const scenario = loaded.value;
    const replications = "workload" in scenario && scenario.workload.trace !== undefined ? 1 : 2;
    const results = runScenario(prepareScenario(scenario, bundled.path), { seed: scenario.seed, replications, faultlineVersion: "golden" });
    files[`${bundled.name}/summary.json`] = sha256(summaryJson(results.summary));
    files[`${bundled.name}/runs.csv`] = sha256(runsCsv(results.runs));
    files[`${bundled.name}/traces.json`] = sha256(tracesJson(results));
    if (results.jobs !== undefined) files[`${bundled.name}/jobs.csv`] = sha256(jobsCsv(results.jobs));
  }
  const night = bundledScenarios().find((bundled) => bundled.name === "gameday-night-shift")!;
  const loaded = await loadScenario(night.path);
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const day = replaySession(prepareScenario(loaded.value, night.path), 11, "on-call", NIGHT_SHIFT, 43_200_000_000);
  files["gameday-night-shift/played/final.json"] = sha256(gamedayFinalJson(day));
  return files;
}

describe("bundled scenarios, byte for byte", () => {
  it("give the recorded result files", async () => {
    const files = await currentFiles();
    const nodeMajor = Number(process.versions.node.split(".")[0]);
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, `${JSON.stringify({ nodeMajor, files } satisfies Golden, null, 2)}\n`);
    }
    const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as Golden;
    expect(nodeMajor, "goldens were recorded on another Node major (Math.log/exp may differ)").toBe(golden.nodeMajor);
    expect(files).toEqual(golden.files);
  }, 120_000);
});
