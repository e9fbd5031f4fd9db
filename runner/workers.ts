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
  | { readonly ready: true }
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
  /**
   * Estimated seconds of work left that worker threads must have to be started
   * (default 2); 0 starts them after the first stretch whatever the work, as tests do.
   */
  readonly startWorthS?: number;
}

/**
 * Runs `runs`, in this thread or on `options.workers` threads. A run's outcome depends
 * only on its point's scenario, seed and its own replication, never on which thread ran it
 * or what ran before, so callers that put outcomes back in run order get the same bytes
 * for any number of threads.
 *
 * A worker thread takes 0.5–1 s to start (it loads the simulator afresh), so with W > 1
 * this thread is one of the W: it runs alone while the runs' times say the rest is too
 * little work to pay for a start, then starts W − 1 worker threads and goes on running
 * runs itself while they load. A light run is thus not slower than on one thread, and a
 * heavy one keeps W threads busy. Runs are handed out one at a time as threads come free,
 * so a slow strategy does not leave a thread idle; consecutive runs mostly share a point,
 * and a thread prepares a point's scenario (reads its trace) once while it stays.
 * Resolves to how many runs worker threads did (0 when none were started).
 */
export function executeRuns(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): Promise<number> {
  return options.workers === 1 || runs.length <= 1 ? executeHere(points, runs, options) : executeShared(points, runs, options);
}

/**
 * Below this much estimated work left, seconds, worker threads are not started: a thread
 * takes 0.5–1 s to load the simulator, slowing this one meanwhile on a small machine, so it
 * pays only when there is well more work than that.
 */
const WORKER_START_WORTH_S = 2;
/**
 * A stretch this thread runs alone before each estimate: at least 8 runs and a quarter
 * second, at most a second. A process's first runs are cold (several times slower until
 * the JIT has warmed up), so the estimate needs a few; a dear run must not delay the
 * threads long.
 */
const STRETCH_RUNS = 8;
const STRETCH_MIN_MS = 250;
const STRETCH_MAX_MS = 1_000;

async function executeHere(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): Promise<number> {
  const here = runnerHere(points, runs, options);
  for (let index = 0; index < runs.length; index++) here(index);
  return 0;
}

/** Runs `runs[index]` in this thread, preparing its point when it changes. */
function runnerHere(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): (index: number) => void {
  let preparedPoint = -1;
  let prepared: PreparedScenario | undefined;
  return (index) => {
    const run = runs[index];
    if (run.point !== preparedPoint) {
      prepared = options.prepare(run.point);
      preparedPoint = run.point;
    }
    const input = points[run.point];
    const reproduce = (failure: ReplicationFailure) => options.reproduce(run, failure);
    const onProgress = (fraction: number) => options.onProgress?.(index, fraction);
    options.onDone(index, runKey(prepared!, run, { seed: input.seed, injections: input.injections, records: input.records, reproduce, onProgress }));
  };
}

/** The compiled worker script; under a TypeScript runner (tests), the built one in dist/. */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? join(packageRoot(), "dist", "runner", "worker.js") : join(here, "..", "worker.js");
}

/** This thread and up to W − 1 worker threads, sharing the runs one at a time. */
async function executeShared(points: readonly PointInput[], runs: readonly SweepRun[], options: ExecuteOptions): Promise<number> {
  const here = runnerHere(points, runs, options);
  // Runs here a stretch at a time, then estimates the work left from the stretch's
  // fastest run (a point's first runs are slow while the JIT warms up, so the fastest is
  // the fair one): worker threads start only when it is worth their start. Estimating
  // again after each stretch catches a sweep whose later points are the dear ones.
  let next = 0;
  for (;;) {
    const stretchMs = performance.now();
    const first = next;
    let fastestMs = Infinity;
    for (;;) {
      const elapsedMs = performance.now() - stretchMs;
      const enough = (next - first >= STRETCH_RUNS && elapsedMs >= STRETCH_MIN_MS) || elapsedMs >= STRETCH_MAX_MS;
      if (next >= runs.length || enough) break;
      const runMs = performance.now();
      here(next++);
      fastestMs = Math.min(fastestMs, performance.now() - runMs);
    }
    if (next >= runs.length) return 0;
    if ((fastestMs * (runs.length - next)) / 1_000 >= (options.startWorthS ?? WORKER_START_WORTH_S)) break;
  }
  const pool = new WorkerPool({ max: options.workers - 1 });
  const started: Worker[] = [];
  let done = next;
  let checkedPoint = runs[next - 1].point;
  let failed = false;
  let failure: unknown;
  let onThreads = 0;
  let finish: { resolve: (onThreads: number) => void; reject: (error: unknown) => void } | null = null;
  const stop = () => {
    // Threads still starting or idle are not waited for. (The pool's destroy() would call
    // terminate with a callback, deprecated in Node 20.)
    for (const worker of started) void worker.terminate();
  };
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    failure = error;
    stop();
    finish?.reject(error);
  };
  const ended = () => {
    if (done === runs.length && !failed) {
      stop();
      finish?.resolve(onThreads);
    }
  };
  /** The next run's index, its point checked here first (a bad trace is exit 2, not a thread's error); null when none is left. */
  const take = (): number | null => {
    if (failed || next >= runs.length) return null;
    const run = runs[next];
    if (run.point !== checkedPoint) {
      options.prepare(run.point);
      checkedPoint = run.point;
    }
    return next++;
  };
  // Runs a thread holds: two while many are left, so it never waits while this thread is
  // busy with a run of its own; one near the end, so no run waits in a queue while another
  // thread is free.
  const inHand = new Map<Worker, number>();
  const feed = (worker: Worker) => {
    const wanted = runs.length - next > 2 * options.workers ? 2 : 1;
    while ((inHand.get(worker) ?? 0) < wanted) {
      let index: number | null;
      try {
        index = take();
      } catch (error) {
        return fail(error);
      }
      if (index === null) return;
      inHand.set(worker, (inHand.get(worker) ?? 0) + 1);
      worker.postMessage({ index, run: runs[index] } satisfies WorkerTask);
    }
  };
  for (let i = 0; i < Math.min(options.workers - 1, runs.length - 1); i++) {
    pool.acquire(workerScript(), { workerData: points }, (error: Error | null, worker: Worker) => {
      if (error) return fail(error);
      started.push(worker);
      if (failed || done === runs.length) return void worker.terminate();
      worker.on("error", fail);
      worker.on("message", (reply: WorkerReply) => {
        if (failed) return;
        // Runs go to a thread once it has loaded (it says so): until then this thread does them.
        if ("ready" in reply) return feed(worker);
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
        onThreads++;
        inHand.set(worker, (inHand.get(worker) ?? 1) - 1);
        feed(worker);
        ended();
      });
    });
  }
  // This thread runs its share, yielding between runs so replies and starts are handled.
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (failed) break;
    let index: number | null;
    try {
      index = take();
      if (index === null) break;
      here(index);
    } catch (error) {
      fail(error);
      break;
    }
    done++;
  }
  return new Promise<number>((resolve, reject) => {
    finish = { resolve, reject };
    if (failed) return reject(failure);
    ended();
  });
}
