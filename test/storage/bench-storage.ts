import { ParallelFilesystem, type Transfer } from "../../models/storage/parallel-fs.js";
import { Sim } from "../../sim/sim.js";

/**
 * The storage figure for `npm run bench` (not a test): 100,000 transfers through a
 * 64-OST filesystem by 100 closed-loop clients (each starts its next transfer when the
 * last one ends, so ~100 are in flight), sizes log-uniform from 1 MB to 10 GB, 1 to 8
 * stripes, reads and writes mixed, MDS at 50,000 ops/s. Target: well under 1 s.
 */
export interface StorageBenchFigures {
  /** Transfers completed. */
  readonly transfers: number;
  /** Wall time of the event loop, ms. */
  readonly ms: number;
  /** Simulated time, s. */
  readonly simulatedS: number;
  readonly events: number;
}

const TRANSFERS = 100_000;
const CLIENTS = 100;

export function benchStorage(now: () => number = () => performance.now()): StorageBenchFigures {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const rng = sim.rng("bench.storage");
  const pfs = new ParallelFilesystem(sim, {
    name: "lustre",
    ostCount: 64,
    ostGBps: 5,
    metadataOpsPerSec: 50_000,
    metadataQueueMax: 10_000,
    metadataTimeoutUs: 60_000_000,
  });
  const stripeCounts = [1, 2, 4, 8];
  let started = 0;
  const onDone = (transfer: Transfer): void => {
    if (transfer.status !== "completed") throw new Error(`bench transfer ${transfer.status}`);
    startNext();
  };
  const startNext = (): void => {
    if (started >= TRANSFERS) return;
    started++;
    const bytes = Math.round(rng.logUniform(1e6, 1e10));
    const stripeCount = stripeCounts[rng.integer(0, stripeCounts.length - 1)];
    if (rng.random() < 0.7) pfs.write(bytes, { stripeCount, onDone });
    else pfs.read(bytes, { stripeCount, onDone });
  };
  const start = now();
  for (let client = 0; client < CLIENTS; client++) startNext();
  sim.run();
  const ms = now() - start;
  return { transfers: pfs.transfersCompleted, ms, simulatedS: sim.now / 1e6, events: sim.eventsRun };
}
