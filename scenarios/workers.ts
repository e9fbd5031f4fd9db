import { fileURLToPath } from "node:url";
import { join } from "node:path";
import WorkerPool from "worker-threads-pool";
import type { Worker } from "node:worker_threads";
import type { AdHocInjection } from "../models/failures/ad-hoc.js";
import type { ResultSet } from "../reports/records.js";
import { packageRoot } from "./library.js";
import type { PreparedScenario } from "./prepare.js";
import {
  assembleResults,
  replicationFailure,
  scenarioPoints,
  type PointOutcome,
  type RunScenarioOptions,
  type ScenarioPoint,
} from "./runner.js";
import type { Scenario } from "./schema.js";

/** What a worker is started with: enough to prepare the scenario itself. */
export interface WorkerInput {
  readonly scenario: Scenario;
  /** The scenario file, for paths relative to it (a trace). */
  readonly scenarioPath: string;
  readonly seed: number;
  readonly injections: readonly AdHocInjection[];
}

/** A point to run, with its place in `scenarioPoints` order. */
export interface WorkerTask {
  readonly index: number;
  readonly point: ScenarioPoint;
}

export type WorkerReply =
  | { readonly index: number; readonly outcome: PointOutcome }
  | { readonly index: number; readonly error: { readonly message: string; readonly stack: string } };

/** The compiled worker script; under a TypeScript runner (tests), the built one in dist/. */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? join(packageRoot(), "dist", "scenarios", "worker.js") : join(here, "..", "worker.js");
}

/**
 * Runs a scenario's points on `workers` worker threads and assembles the same result set
 * `runScenario` gives, to the byte: every point's seed depends only on its replication,
 * each runs alone in its thread, and outcomes are put back in point order before anything
 * is summed. Points are handed out one at a time as workers come free, so a slow strategy
 * does not leave a thread idle.
 */
export function runOnWorkers(
  prepared: PreparedScenario,
  input: WorkerInput,
  options: RunScenarioOptions,
  workers: number,
): Promise<ResultSet> {
  const points = scenarioPoints(prepared, options.replications);
  const outcomes: (PointOutcome | undefined)[] = new Array(points.length);
  const pool = new WorkerPool({ max: workers });
  let next = 0;
  let done = 0;
  const started: Worker[] = [];
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      // (The pool's destroy() would call terminate with a callback, deprecated in Node 20.)
      for (const worker of started) void worker.terminate();
      reject(error);
    };
    const feed = (worker: Worker) => {
      const task: WorkerTask | null = next < points.length ? { index: next, point: points[next] } : null;
      next++;
      worker.postMessage(task);
    };
    const threads = Math.min(workers, points.length);
    for (let i = 0; i < threads; i++) {
      pool.acquire(workerScript(), { workerData: input }, (error: Error | null, worker: Worker) => {
        if (error) return fail(error);
        started.push(worker);
        worker.on("error", fail);
        worker.on("message", (reply: WorkerReply) => {
          if ("error" in reply) {
            const cause = Object.assign(new Error(reply.error.message), { stack: reply.error.stack });
            return fail(replicationFailure(prepared, points[reply.index], options, cause));
          }
          outcomes[reply.index] = reply.outcome;
          options.onProgress?.(++done, points.length);
          // Past the last point a worker is sent null and exits; the others already were.
          feed(worker);
          if (done === points.length) resolve(assembleResults(prepared, options, outcomes as PointOutcome[]));
        });
        feed(worker);
      });
    }
  });
}
