import { parentPort, workerData } from "node:worker_threads";
import { prepareScenario } from "./prepare.js";
import { runPoint } from "./runner.js";
import type { WorkerInput, WorkerReply, WorkerTask } from "./workers.js";

/**
 * A worker thread of `runOnWorkers`: prepares the scenario once (reading its trace, if
 * any), then runs the points the main thread sends, one at a time, replying with each
 * outcome or the error it ended in. A task is null when there is no work left.
 */
const input = workerData as WorkerInput;
const prepared = prepareScenario(input.scenario, input.scenarioPath);
const port = parentPort!;
port.on("message", (task: WorkerTask | null) => {
  if (task === null) {
    port.close();
    return;
  }
  let reply: WorkerReply;
  try {
    reply = { index: task.index, outcome: runPoint(prepared, task.point, input) };
  } catch (error) {
    // runPoint wrapped the replication's error; the main thread wraps it again, with its reproduce command.
    const cause = (error as Error).cause as Error | undefined;
    reply = { index: task.index, error: { message: cause?.message ?? String(error), stack: cause?.stack ?? "" } };
  }
  port.postMessage(reply);
});
