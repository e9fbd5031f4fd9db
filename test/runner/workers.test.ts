import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replicationKeys, type RunOutcome } from "../../runner/run.js";
import type { SweepRun } from "../../runner/sweep.js";
import { executeRuns } from "../../runner/workers.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { prepareScenario } from "../../scenarios/prepare.js";

/**
 * executeRuns shares runs between this thread and worker threads (the built dist/runner/
 * worker.js): the outcomes are the same whatever the number of threads, worker threads
 * really take runs when there is work for them, and a light job is not given any.
 */
async function outcomes(name: string, replications: number, workers: number, startWorthS?: number) {
  const loaded = await loadScenario(name);
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const scenario = loaded.value;
  const scenarioPath = join(bundledScenarioDir(), `${name}.yaml`);
  const runs: SweepRun[] = replicationKeys(scenario, replications).map((key) => ({ point: 0, ...key }));
  const results: RunOutcome[] = new Array(runs.length);
  const onThreads = await executeRuns([{ scenario, scenarioPath, seed: scenario.seed, injections: [] }], runs, {
    workers,
    prepare: () => prepareScenario(scenario, scenarioPath),
    onDone: (index, outcome) => {
      results[index] = outcome;
    },
    reproduce: () => "",
    ...(startWorthS === undefined ? {} : { startWorthS }),
  });
  return { text: JSON.stringify(results), onThreads };
}

describe("executeRuns", () => {
  it("gives the same outcomes on 1, 2 and 3 threads, worker threads taking runs when started", async () => {
    // parameter-sweep-burst's runs are dear enough (tenths of a second) for a started thread to get some.
    const one = await outcomes("parameter-sweep-burst", 4, 1);
    expect(one.onThreads).toBe(0);
    const two = await outcomes("parameter-sweep-burst", 4, 2, 0);
    expect(two.onThreads).toBeGreaterThan(0);
    expect(two.text).toBe(one.text);
    const three = await outcomes("parameter-sweep-burst", 4, 3, 0);
    expect(three.onThreads).toBeGreaterThan(0);
    expect(three.text).toBe(one.text);
  }, 120_000);

  it("keeps a light job in this thread: starting a worker would cost more than it saves", async () => {
    const one = await outcomes("quickstart", 3, 1);
    const two = await outcomes("quickstart", 3, 2);
    expect(two.onThreads).toBe(0);
    expect(two.text).toBe(one.text);
  }, 60_000);
});
