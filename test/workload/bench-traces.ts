import { readTrace } from "../../models/workload/traces/index.js";
import { traceFile } from "./trace-files.js";

/** What one timed read of LANL-CM5 gave. */
export interface TraceBenchFigures {
  /** Jobs read (122,060 for the whole trace). */
  readonly jobs: number;
  /** Wall time of readTrace (read, gunzip, parse), ms: the best of `runs`. */
  readonly ms: number;
}

/**
 * Times `readTrace` on the LANL-CM5 SWF trace (2.1 MB gzip, 11 MB text, 122,060 jobs) from
 * scenarios/traces; the target is ≤ 1 s. Best of `runs` reads, so JIT warm-up and a stray GC do not
 * count. Not a test: the project bench calls it and prints the figure.
 */
export function benchReadLanl(runs = 3): TraceBenchFigures {
  const path = traceFile("LANL-CM5-1994-4.1-cln.swf.gz");
  let best = Number.POSITIVE_INFINITY;
  let jobs = 0;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const result = readTrace(path, { format: "swf" });
    best = Math.min(best, performance.now() - start);
    jobs = result.jobs.length;
  }
  return { jobs, ms: best };
}
