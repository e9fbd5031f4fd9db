import { parentPort, workerData } from "node:worker_threads";
import { prepareScenario, type PreparedScenario } from "../scenarios/prepare.js";
import { runKey } from "./run.js";
import type { PointInput, WorkerReply, WorkerTask } from "./workers.js";

/**
 * A worker thread of `executeRuns`: runs the tasks the main thread sends, one at a time,
 * replying with each outcome or the error it ended in. It keeps the last point's prepared
 * scenario (its trace read once) while tasks stay on that point. A null task means no
 * work is left.
 */
const points = workerData as readonly PointInput[];
const port = parentPort!;
let prepared: { point: number; scenario: PreparedScenario } | null = null;
port.on("message", (task: WorkerTask | null) => {
  if (task === null) {
    port.close();
    return;
  }
  const input = points[task.run.point];
  let reply: WorkerReply;
  try {
    if (prepared?.point !== task.run.point) {
      prepared = { point: task.run.point, scenario: prepareScenario(input.scenario, input.scenarioPath) };
    }
    // Progress goes to the main thread a percent at a time, for its progress bar.
    let reported = 0;
    const onProgress = (fraction: number) => {
      if (fraction - reported < 0.01) return;
      reported = fraction;
      port.postMessage({ index: task.index, progress: fraction } satisfies WorkerReply);
    };
    reply = { index: task.index, outcome: runKey(prepared.scenario, task.run, { ...input, onProgress }) };
  } catch (error) {
    // runKey wrapped the replication's error; the main thread wraps it again, with its reproduce command.
    const cause = ((error as Error).cause ?? error) as Error;
    reply = { index: task.index, error: { message: cause?.message ?? String(error), stack: cause?.stack ?? "" } };
  }
  port.postMessage(reply);
});
// Loaded (imports and all): tasks sent from now on start at once.
port.postMessage({ ready: true } satisfies WorkerReply);
