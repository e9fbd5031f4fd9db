import { join } from "node:path";
import { ClusterModel } from "../../models/cluster/model.js";
import type { BackfillMode } from "../../models/scheduler/batch.js";
import { NO_CHECKPOINT } from "../../models/strategies/checkpoint.js";
import { readTrace, TraceError } from "../../models/workload/traces/index.js";
import { prepareScenario, TraceInputError } from "../../scenarios/prepare.js";
import type { Scenario } from "../../scenarios/schema.js";
import { Sim } from "../../sim/sim.js";
import { traceDir } from "../workload/trace-files.js";

/**
 * FCFS, EASY and conservative backfilling replayed on real traces from scenarios/traces,
 * against the waits the traces recorded. Time limits are the users' estimates and are not
 * enforced (LANL's jobs often ran past theirs). `npm run validate:traces` prints the table
 * for the README; `npm run bench` times EASY over LANL-CM5. An unreadable trace is bad
 * input: a line on stderr naming it, exit 2.
 */
const tracePath = (spec: TraceSpec): string => join(traceDir(), spec.file);

export interface TraceSpec {
  readonly label: string;
  readonly file: string;
  readonly processors: number;
}

export const KTH: TraceSpec = { label: "KTH-SP2", file: "KTH-SP2-1996-2.1-cln.swf.gz", processors: 100 };
export const LANL: TraceSpec = { label: "LANL-CM5", file: "LANL-CM5-1994-4.1-cln.swf.gz", processors: 1024 };

export interface ReplayFigures {
  readonly policy: string;
  readonly jobs: number;
  readonly meanWaitS: number;
  readonly boundedSlowdownMean: number;
  readonly utilization: number;
  readonly seconds: number;
}

/** The scenario a replay runs: one node per processor, no failures. */
function replayScenario(spec: TraceSpec): Scenario {
  return {
    name: `replay-${spec.label.toLowerCase()}`,
    description: "",
    seed: 1,
    replications: 1,
    cluster: { racks: 1, nodesPerRack: spec.processors, node: { gpus: 0 }, allocation: "whole-nodes", pools: [], currency: "USD" },
    workload: {
      trace: { format: "swf", path: tracePath(spec), procsPerNode: 1, skipInvalid: false },
      maxRequeues: 0,
      tasksPerJob: 1,
    },
    scheduler: { policy: "fifo", placement: "first-fit", enforceTimeLimit: false },
    failures: [],
    strategies: [{ name: "x", checkpoint: { policy: "none" } }],
    controlPlane: [],
  };
}

/**
 * Replays a trace under one policy. With `exactEstimates` every job's time limit is its
 * actual run time: the bound a perfect user would give backfilling.
 */
export function replay(spec: TraceSpec, backfill: BackfillMode, now: () => number, exactEstimates = false): ReplayFigures {
  const prepared = prepareScenario(replayScenario(spec), join(traceDir(), "scenario.yaml"));
  const jobs = exactEstimates
    ? prepared.traceJobs!.map((job) => ({ ...job, requestedUs: job.workUs }))
    : prepared.traceJobs;
  const start = now();
  const sim = new Sim({ seed: 1, keepRecords: false });
  const model = new ClusterModel(sim, {
    horizonUs: null,
    cluster: { racks: 1, nodesPerRack: spec.processors, gpusPerNode: 0 },
    fabric: null,
    pools: [],
    storage: null,
    workload: { generator: null, trace: jobs, maxRequeues: 0 },
    scheduler: { backfill, priority: null, placement: "first-fit", enforceTimeLimit: false, preemption: null },
    checkpoint: NO_CHECKPOINT,
    slo: null,
    traceSamples: 0,
  });
  const result = model.run();
  return {
    policy: model.scheduler.name + (exactEstimates ? " (exact estimates)" : ""),
    jobs: result.metrics.jobs_completed ?? 0,
    meanWaitS: result.meanWaitH * 3_600,
    boundedSlowdownMean: result.metrics.bounded_slowdown_mean ?? NaN,
    utilization: result.metrics.node_utilization ?? NaN,
    seconds: (now() - start) / 1_000,
  };
}

/** What the trace itself recorded under its real scheduler. */
export function recorded(spec: TraceSpec): { meanWaitS: number; boundedSlowdownMean: number; jobs: number } {
  const jobs = readTrace(tracePath(spec), { format: "swf" }).jobs.filter(
    (job) => job.waitS !== null && job.runS !== null && job.procs !== null,
  );
  let wait = 0;
  let slowdown = 0;
  for (const job of jobs) {
    wait += job.waitS!;
    slowdown += Math.max(1, (job.waitS! + job.runS!) / Math.max(job.runS!, 10));
  }
  return { meanWaitS: wait / jobs.length, boundedSlowdownMean: slowdown / jobs.length, jobs: jobs.length };
}

/** The table `npm run validate:traces` prints: each trace as recorded, then under each policy. */
function validationTable(): string[] {
  const now = (): number => performance.now();
  const lines = [
    "| trace | policy | jobs | mean wait (s) | mean bounded slowdown (10 s) | utilisation | run time (s) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  // Both traces read first, so a missing one is said before minutes of replays, not after.
  const specs = [KTH, LANL].map((spec) => ({ spec, real: recorded(spec) }));
  for (const { spec, real } of specs) {
    lines.push(
      `| ${spec.label} | recorded | ${real.jobs} | ${real.meanWaitS.toFixed(0)} | ${real.boundedSlowdownMean.toFixed(2)} | | |`,
    );
    const runs = [
      ["none", false],
      ["easy", false],
      ["conservative", false],
      ["easy", true],
      ["conservative", true],
    ] as const;
    for (const [backfill, exact] of runs) {
      const figures = replay(spec, backfill, now, exact);
      lines.push(
        `| ${spec.label} | ${figures.policy} | ${figures.jobs} | ${figures.meanWaitS.toFixed(0)} | ${figures.boundedSlowdownMean.toFixed(2)} | ${figures.utilization.toFixed(3)} | ${figures.seconds.toFixed(2)} |`,
      );
      process.stderr.write(`${spec.label} ${figures.policy}: ${figures.seconds.toFixed(2)} s\n`);
    }
  }
  return lines;
}

if (process.argv[1]?.endsWith("trace-schedulers.js")) {
  try {
    process.stdout.write(`${validationTable().join("\n")}\n`);
  } catch (error) {
    // Bad input (a trace missing or unreadable): said on one line per problem, exit 2 as the CLI does.
    if (!(error instanceof TraceError || error instanceof TraceInputError)) throw error;
    for (const problem of error.problems) process.stderr.write(`validate:traces: ${problem}\n`);
    process.exit(2);
  }
}
