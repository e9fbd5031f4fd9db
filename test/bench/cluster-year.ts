import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { NO_CHECKPOINT } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_YEAR } from "../../sim/time.js";
import { nodeCrashes } from "../../models/failures/node-crash.js";

/**
 * The cluster-year: 4,096 nodes, FIFO, Poisson arrivals of jobs of 1–256 nodes
 * (log-uniform), run time lognormal with median 2 h, node MTBF 5 y, repair 4 h, requeue
 * on failure. The arrival rate gives an offered load of about 60% of the nodes: mean job
 * 46.0 nodes × 3.30 h = 152 node-hours, 16 jobs/h → 2,427 of 4,096 nodes busy on average.
 * FIFO sustains that, so the queue (and memory) stays bounded however long the run.
 *
 * Run as a script it prints one JSON line: loop seconds, events, peak RSS, and heap and
 * RSS at the end of every simulated year.
 */
export function clusterYearOptions(years: number): ClusterModelOptions {
  return {
    horizonUs: years * US_PER_YEAR,
    cluster: { racks: 128, nodesPerRack: 32, gpusPerNode: 8 },
    fabric: null,
    pools: [],
    storage: null,
    workload: {
      generator: {
        arrivals: { ratePerHour: 16 },
        nodes: { kind: "logUniform", low: 1, high: 256 },
        workS: { kind: "lognormal", median: 2 * 3_600, sigma: 1 },
        timeLimitFactor: 2,
        users: 64,
        communication: null,
      },
      trace: null,
      maxRequeues: 3,
    },
    scheduler: { backfill: "none", priority: null, placement: "first-fit", enforceTimeLimit: false, preemption: null },
    failures: [nodeCrashes({
      timeToFailureS: { kind: "exponential", mean: 5 * 365 * 86_400 },
      repairS: { kind: "exponential", mean: 4 * 3_600 },
    })],
    checkpoint: NO_CHECKPOINT,
    slo: null,
    traceSamples: 0,
  };
}

export interface ClusterYearFigures {
  readonly years: number;
  /** Building the model and its 4,096 per-node failure streams. */
  readonly setupSeconds: number;
  /** From the first event to the last (the event loop proper). */
  readonly loopSeconds: number;
  /** Everything inside `run()`: setup, loop, and the metrics (sorting for percentiles). */
  readonly runSeconds: number;
  readonly events: number;
  readonly jobs: number;
  readonly utilization: number;
  readonly peakRssMiB: number;
  readonly rssByYearMiB: number[];
  readonly heapByYearMiB: number[];
}

export function runClusterYears(years: number): ClusterYearFigures {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const model = new ClusterModel(sim, clusterYearOptions(years));
  const rssByYearMiB: number[] = [];
  const heapByYearMiB: number[] = [];
  const measureMemory = (): void => {
    rssByYearMiB.push(Math.round(process.memoryUsage.rss() / 2 ** 20));
    heapByYearMiB.push(Math.round(process.memoryUsage().heapUsed / 2 ** 20));
    if (sim.now + US_PER_YEAR < years * US_PER_YEAR) sim.schedule(US_PER_YEAR, measureMemory);
  };
  sim.schedule(US_PER_YEAR - US_PER_H, measureMemory);
  // Marks scheduled before the model's own events: the first runs first at time 0, the
  // last at the horizon, so between them is the event loop alone.
  let loopStartMs = NaN;
  let loopEndMs = NaN;
  sim.schedule(0, () => (loopStartMs = performance.now()));
  sim.schedule(years * US_PER_YEAR, () => (loopEndMs = performance.now()));
  const start = performance.now();
  const result = model.run();
  const runSeconds = (performance.now() - start) / 1_000;
  return {
    years,
    setupSeconds: (loopStartMs - start) / 1_000,
    loopSeconds: (loopEndMs - loopStartMs) / 1_000,
    runSeconds,
    events: sim.eventsRun,
    jobs: result.metrics.jobs_submitted ?? 0,
    utilization: result.metrics.gpu_utilization ?? 0,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssByYearMiB,
    heapByYearMiB,
  };
}

if (process.argv[1]?.endsWith("cluster-year.js")) {
  const years = Number(process.argv[2] ?? "1");
  process.stdout.write(`${JSON.stringify(runClusterYears(years))}\n`);
}
