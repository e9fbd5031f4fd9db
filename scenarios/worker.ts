import { parentPort, workerData } from "node:worker_threads";
import { prepareScenario } from "./prepare.js";
import { runPoint, type ScenarioPoint } from "./runner.js";
import type { WorkerInput, WorkerReply } from "./workers.js";

/**
 * A worker thread of `runOnWorkers`: prepares the scenario once (reading its trace, if
 * any), then runs the points the main thread sends, one at a time, replying with each
 * outcome or the error it ended in. A point is null when there is no work left.
 */
const input = workerData as WorkerInput;
const prepared = prepareScenario(input.scenario, input.scenarioPath);
const port = parentPort!;
port.on("message", (point: ScenarioPoint | null) => {
  if (point === null) {
    port.close();
    return;
  }
  let reply: WorkerReply;
  try {
    reply = { point, outcome: runPoint(prepared, point, input) };
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    reply = { point, error: { message: cause?.message ?? String(error), stack: cause?.stack ?? "" } };
  }
  port.postMessage(reply);
});
