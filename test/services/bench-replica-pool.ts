import { ReplicaPool } from "../../models/services/replica-pool.js";
import { Sim } from "../../sim/sim.js";

/**
 * The replica pool's figure for the project bench (not a test: speed is measured, not
 * asserted): 1,000,000 requests through a 10-replica central-queue pool at 80% load
 * (M/M/10, mean service 10 ms, 800 requests/s), no timeouts, retries or health checks:
 * the core path. Target: well under 2 s. The run goes until every request has been served,
 * and its wall time covers the whole event loop (about two events per request).
 */
export interface ReplicaPoolBenchFigures {
  /** Requests served. */
  readonly requests: number;
  /** Wall time of the event loop, ms. */
  readonly ms: number;
}

const REQUESTS = 1_000_000;

export function benchReplicaPool(now: () => number = () => performance.now()): ReplicaPoolBenchFigures {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const pool = new ReplicaPool(sim, {
    name: "bench",
    replicas: 10,
    serviceMeanUs: 10_000,
    queueMax: 1_000_000,
    ratePerS: 800,
    arrivalsMax: REQUESTS,
  });
  const start = now();
  pool.start();
  sim.run();
  const ms = now() - start;
  return { requests: pool.metrics().requestsSucceeded, ms };
}
