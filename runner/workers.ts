import { fileURLToPath } from "node:url";
import { join } from "node:path";
import WorkerPool from "worker-threads-pool";
import type { Worker } from "node:worker_threads";
import type { AdHocInjection } from "../models/failures/ad-hoc.js";
import { packageRoot } from "../scenarios/library.js";
import type { PreparedScenario } from "../scenarios/prepare.js";
import { replicationFailure, runKey, type ReplicationFailure, type RunOutcome } from "./run.js";
import type { Scenario } from "../scenarios/schema.js";
import type { SweepRun } from "./sweep.js";

/** A grid point as a worker thread needs it: enough to prepare its scenario itself. */
export interface PointInput {
  readonly scenario: Scenario;
  /** The scenario file, for paths relative to it (a trace). */
  readonly scenarioPath: string;
  readonly seed: number;
  readonly injections: readonly AdHocInjection[];
  /** Keep the first replication's event records (`run --records`). */
  readonly records?: boolean;
}

/** A run to do, with its place in the caller's list. */
export interface WorkerTask {
  readonly index: number;
  readonly run: SweepRun;
}

export type WorkerReply =
  | { readonly index: number; readonly outcome: RunOutcome }
  | { readonly index: number; readonly progress: number }
  | { readonly index: number; readonly error: { readonly message: string; readonly stack: string } };

export interface ExecuteOptions {
  /** Threads to run on; 1 runs in this thread. */
  readonly workers: number;
  /**
   * Prepares a point's scenario in this thread, before its first run is handed out, so a
   * bad trace is bad input (exit 2) here rather than an error inside a thread.
   */
  readonly prepare: (point: number) => PreparedScenario;
  /** Called as each run ends, in any order when on threads. */
  readonly onDone: (index: number, outcome: RunOutcome) => void;
  /** Called with the share (0–1) of a run done while it runs. */
  readonly onProgress?: (index: number, fraction: number) => void;
  /** The command that reruns a failed run alone, for the error message. */
  readonly reproduce: (run: SweepRun, failure: ReplicationFailure) => string;
}

/**
 * Runs `runs`, in this thread or on `options.workers` worker threads. A run's outcome
 * depends only on its point's scenario, seed and its own replication, never on which
 * thread ran it or what ran before, so callers that put outcomes back in run order get the
 * same bytes for any number of threads. Runs are handed out one at a time as threads come
 * free, so a slow strategy does not leave a thread idle; consecutive runs mostly share a
 * point, and a thread prepares a point's scenario (reads its trace) once while it stays.
 */
export function executeRuns(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): Promise<void> {
  return options.workers === 1 || runs.length <= 1 ? executeHere(points, runs, options) : executeOnThreads(points, runs, options);
}

async function executeHere(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): Promise<void> {
  let preparedPoint = -1;
  let prepared: PreparedScenario | undefined;
  for (const [index, run] of runs.entries()) {
    if (run.point !== preparedPoint) {
      prepared = options.prepare(run.point);
      preparedPoint = run.point;
    }
    const input = points[run.point];
    const reproduce = (failure: ReplicationFailure) => options.reproduce(run, failure);
    const onProgress = (fraction: number) => options.onProgress?.(index, fraction);
    options.onDone(index, runKey(prepared!, run, { seed: input.seed, injections: input.injections, records: input.records, reproduce, onProgress }));
  }
}

/** The compiled worker script; under a TypeScript runner (tests), the built one in dist/. */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? join(packageRoot(), "dist", "runner", "worker.js") : join(here, "..", "worker.js");
}

function executeOnThreads(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): Promise<void> {
  const pool = new WorkerPool({ max: options.workers });
  const started: Worker[] = [];
  let next = 0;
  let done = 0;
  let checkedPoint = -1;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      // (The pool's destroy() would call terminate with a callback, deprecated in Node 20.)
      for (const worker of started) void worker.terminate();
      reject(error);
    };
    const feed = (worker: Worker) => {
      if (next >= runs.length) {
        // Past the last run a thread is sent null and exits.
        worker.postMessage(null);
        return;
      }
      const run = runs[next];
      if (run.point !== checkedPoint) {
        try {
          options.prepare(run.point);
        } catch (error) {
          return fail(error);
        }
        checkedPoint = run.point;
      }
      const task: WorkerTask = { index: next++, run };
      worker.postMessage(task);
    };
    const threads = Math.min(options.workers, runs.length);
    for (let i = 0; i < threads; i++) {
      pool.acquire(workerScript(), { workerData: points }, (error: Error | null, worker: Worker) => {
        if (error) return fail(error);
        started.push(worker);
        worker.on("error", fail);
        worker.on("message", (reply: WorkerReply) => {
          if (failed) return;
          if ("progress" in reply) {
            options.onProgress?.(reply.index, reply.progress);
            return;
          }
          const run = runs[reply.index];
          if ("error" in reply) {
            const cause = Object.assign(new Error(reply.error.message), { stack: reply.error.stack });
            const input = points[run.point];
            return fail(replicationFailure(input.scenario, run, { seed: input.seed, reproduce: (f) => options.reproduce(run, f) }, cause));
          }
          try {
            options.onDone(reply.index, reply.outcome);
          } catch (error) {
            return fail(error);
          }
          done++;
          feed(worker);
          if (done === runs.length) resolve();
        });
        feed(worker);
      });
    }
  });
}
