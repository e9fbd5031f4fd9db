import { describe, expect, it } from "vitest";
import { runScenario } from "../../runner/run.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { scenarioSchema } from "../../scenarios/schema.js";

/** The same crashing cluster with `gpus` GPUs per node. */
function run(gpus: number) {
  const text = `
name: cpu
description: lost work without GPUs
seed: 3
horizon: 10d
replications: 2
cluster: { racks: 2, nodesPerRack: 8, node: { gpus: ${gpus} } }
workload:
  generator: { arrivalsPerHour: 2, nodes: { logUniform: [1, 8] }, runtime: { lognormal: { median: 4h, sigma: 1 } } }
failures:
  - { kind: node-crash, mtbf: 5d, repair: 4h }
strategies:
  - { name: hourly, checkpoint: { policy: fixed, interval: 1h, cost: 5m } }
`;
  const parsed = parseScenarioText(text, "cpu.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const results = runScenario(prepareScenario(parsed.value, "cpu.yaml"), { seed: 3, replications: 2, faultlineVersion: "test" });
  const mean = (metric: string) => (results.summary.strategies[0].metrics as Record<string, { mean: number } | null>)[metric]?.mean ?? null;
  return Object.assign(mean, { results });
}

describe("a cluster without GPUs", () => {
  const cpu = run(0);
  const gpu = run(8);

  it("reports lost work in node-hours and goodput on node-hours", () => {
    expect(cpu("lost_work_gpu_h")).toBeNull();
    expect(cpu("lost_work_node_h")!).toBeGreaterThan(0);
    expect(cpu("goodput")!).toBeGreaterThan(0);
    expect(cpu("goodput")!).toBeLessThan(1);
  });

  it("gives the same figures as the same cluster with GPUs: node-hours are GPU-hours over GPUs per node", () => {
    // GPUs change nothing in the schedule or the failures: the runs are the same.
    expect(gpu("lost_work_node_h")).toBeCloseTo(cpu("lost_work_node_h")!, 9);
    expect(gpu("lost_work_gpu_h")).toBeCloseTo(8 * cpu("lost_work_node_h")!, 9);
    expect(gpu("goodput")).toBeCloseTo(cpu("goodput")!, 12);
  });

  it("logs every job of the first replication, and the log adds up to the run's metrics", () => {
    const { results } = cpu;
    const first = results.runs.find((run) => run.replication === 0)!.metrics;
    const jobs = results.jobs!;
    expect(jobs.length).toBe(first.jobs_submitted);
    expect(jobs.every((job) => job.strategy === "hourly" && job.gpus === null && job.lostWorkGpuH === null)).toBe(true);
    expect(jobs.filter((job) => job.outcome === "completed").length).toBe(first.jobs_completed);
    expect(jobs.filter((job) => job.outcome === "failed").length).toBe(first.jobs_failed);
    expect(jobs.filter((job) => job.startH !== null).length / jobs.length).toBeCloseTo(first.scheduler_success_rate!, 12);
    const sum = (values: (number | null)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0);
    expect(sum(jobs.map((job) => job.lostWorkNodeH))).toBeCloseTo(first.lost_work_node_h!, 6);
    // Checkpoint overhead has no node-hour metric: the GPU run's metric, over 8 GPUs a node, is the same time.
    const overheadGpuH = gpu.results.runs[0].metrics.checkpoint_overhead_gpu_h!;
    expect(overheadGpuH).toBeGreaterThan(0);
    expect(sum(gpu.results.jobs!.map((job) => job.checkpointOverheadGpuH))).toBeCloseTo(overheadGpuH, 6);
    expect(sum(jobs.map((job) => job.checkpointOverheadNodeH))).toBeCloseTo(overheadGpuH / 8, 6);
    for (const job of jobs) {
      if (job.startH !== null) expect(job.startH).toBeGreaterThanOrEqual(job.submitH);
      if (job.endH !== null) expect(job.endH).toBeGreaterThanOrEqual(job.startH!);
    }
  });
});
