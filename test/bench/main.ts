import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { holdCallbacks, holdProcesses } from "./hold.js";
import type { ClusterYearFigures } from "./cluster-year.js";
import { benchFabric } from "../fabric/bench-fabric.js";
import { benchStorage } from "../storage/bench-storage.js";
import { benchReadLanl } from "../workload/bench-traces.js";
import { LANL, replay } from "./trace-schedulers.js";
import type { runClusterMonth } from "./cluster-month.js";
import { benchLightRun, benchSweep } from "./sweep.js";
import { benchAlibabaFill, type runGpuMonth } from "./gpu-sharing.js";

/**
 * `npm run bench`: the kernel and model figures the issues set targets for. Prints a
 * table, or with --json one JSON object, so the figures can be tracked over time. Never
 * run by `npm test`: speed is measured here, not asserted in timed tests.
 */
const json = process.argv.includes("--json");
const log = (line: string): void => {
  if (!json) process.stdout.write(`${line}\n`);
};
const now = (): number => performance.now();

function best<T extends { eventsPerSecond: number }>(runs: number, measure: () => T): T {
  let bestRun = measure();
  for (let i = 1; i < runs; i++) {
    const run = measure();
    if (run.eventsPerSecond > bestRun.eventsPerSecond) bestRun = run;
  }
  return bestRun;
}

log("hold model: N pending, pop earliest, schedule at now + Exp(1 s); best of 3");
const hold1k = best(3, () => holdCallbacks(1_000, 5_000_000, now));
const hold100k = best(3, () => holdCallbacks(100_000, 5_000_000, now));
const process1k = best(3, () => holdProcesses(1_000, 5_000_000, now));
const process100k = best(3, () => holdProcesses(100_000, 5_000_000, now));
const mps = (eps: number): string => `${(eps / 1e6).toFixed(2)} M events/s`;
log(`  callbacks  N=1,000    ${mps(hold1k.eventsPerSecond)}   (target ≥ 5.0)`);
log(`  callbacks  N=100,000  ${mps(hold100k.eventsPerSecond)}   (target ≥ 2.5)`);
log(`  processes  N=1,000    ${mps(process1k.eventsPerSecond)}   (target ≥ 0.8 × callbacks)`);
log(`  processes  N=100,000  ${mps(process100k.eventsPerSecond)}   (target ≥ 0.8 × callbacks)`);

/** Runs the cluster model in a fresh process, timing the whole process from outside. */
function clusterInChildProcess(years: number): ClusterYearFigures & { processSeconds: number } {
  const script = fileURLToPath(new URL("./cluster-year.js", import.meta.url));
  const start = now();
  const child = spawnSync(process.execPath, [script, String(years)], { encoding: "utf8" });
  const processSeconds = (now() - start) / 1_000;
  if (child.status !== 0) throw new Error(`cluster-year failed: ${child.stderr}`);
  return { ...(JSON.parse(child.stdout) as ClusterYearFigures), processSeconds };
}

/** The GPU-granular month in a fresh process, for its own peak RSS. */
function gpuMonthInChildProcess(): ReturnType<typeof runGpuMonth> {
  const script = fileURLToPath(new URL("./gpu-sharing.js", import.meta.url));
  const child = spawnSync(process.execPath, [script], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`gpu-sharing month failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as ReturnType<typeof runGpuMonth>;
}

/** The hardware month in a fresh process, for its own peak RSS. */
function clusterMonthInChildProcess(): ReturnType<typeof runClusterMonth> {
  const script = fileURLToPath(new URL("./cluster-month.js", import.meta.url));
  const child = spawnSync(process.execPath, [script], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`cluster-month failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as ReturnType<typeof runClusterMonth>;
}

log("cluster-year: 4,096 nodes × 8 GPUs, FIFO, jobs 1–256 nodes, MTBF 5 y, repair 4 h");
const year = clusterInChildProcess(1);
log(`  1 year    event loop ${year.loopSeconds.toFixed(3)} s (target ≤ 0.3), whole process ${year.processSeconds.toFixed(3)} s (≤ 0.6), peak RSS ${year.peakRssMiB} MiB (≤ 120)`);
log(`            model setup ${year.setupSeconds.toFixed(3)} s, run() in all ${year.runSeconds.toFixed(3)} s`);
log(`            ${year.events.toLocaleString("en")} events, ${year.jobs.toLocaleString("en")} jobs, utilisation ${year.utilization.toFixed(3)}`);
const decade = clusterInChildProcess(10);
log(`  10 years  event loop ${decade.loopSeconds.toFixed(3)} s, peak RSS ${decade.peakRssMiB} MiB`);
log(`            heap by year (MiB): ${decade.heapByYearMiB.join(" ")}`);
log(`            RSS by year (MiB):  ${decade.rssByYearMiB.join(" ")}`);

log("cluster-month: 4,096 nodes × 8 GPUs, fat-tree (oversubscription 2), all-reduce, checkpoints to a shared filesystem");
const month = clusterMonthInChildProcess();
log(`  30 days   ${month.seconds.toFixed(3)} s (target ≤ 5), peak RSS ${month.peakRssMiB} MiB (≤ 1,024); ${month.events.toLocaleString("en")} events, ${(month.jobs ?? 0).toLocaleString("en")} jobs`);
log(`            fabric p99 latency ${month.fabricP99LatencyUs?.toFixed(2)} µs, storage ${month.storageGbpsMean?.toFixed(2)} Gb/s mean`);
log(`            ${month.paceChanges.toLocaleString("en")} pace changes of running jobs as traffic came and went, ${month.maxMinSolves.toLocaleString("en")} max-min solves`);

log("GPU-granular: the Alibaba GPU v2023 pods filling their 1,523-node cluster to 1.3× its GPUs (alibaba-gpu-sharing, one run)");
const fills = await benchAlibabaFill(["first-fit", "best-fit", "spread", "topology", "fastest", "fgd"]);
for (const fill of fills) {
  log(`  ${fill.placement.padEnd(10)} ${fill.seconds.toFixed(3)} s (target ≤ 2); ${fill.jobs.toLocaleString("en")} pods, ${(fill.allocationEnd * 100).toFixed(1)}% of GPUs allocated at the end`);
}
const gpuMonth = gpuMonthInChildProcess();
log("GPU-granular month: 12,500 nodes × 8 GPUs (100,000 GPUs), small jobs (a share of a GPU to 8 GPUs), FIFO first-fit, 30 days");
log(`  30 days   ${gpuMonth.seconds.toFixed(3)} s (target ≤ 20), peak RSS ${gpuMonth.peakRssMiB} MiB (≤ 2,048); ${gpuMonth.events.toLocaleString("en")} events, ${(gpuMonth.jobs ?? 0).toLocaleString("en")} jobs`);
log(`            GPU allocation ${(gpuMonth.allocationRate ?? 0).toFixed(3)} (time-weighted from an empty cluster), fragmentation ${(gpuMonth.fragmentation ?? 0).toFixed(4)}`);

log("traces and schedulers");
const lanlRead = benchReadLanl(3);
log(`  read LANL-CM5 (${lanlRead.jobs.toLocaleString("en")} jobs, gzip)   ${(lanlRead.ms / 1_000).toFixed(3)} s (target ≤ 1), best of 3`);
const lanlEasy = replay(LANL, "easy", now);
log(`  EASY backfill over LANL-CM5, 1,024 processors   ${lanlEasy.seconds.toFixed(3)} s (target ≤ 5)`);
const lanlConservative = replay(LANL, "conservative", now);
log(`  conservative backfill over LANL-CM5             ${lanlConservative.seconds.toFixed(3)} s`);

log("fabric and storage");
const fabric = benchFabric(now);
log(`  max-min over ${fabric.flows.toLocaleString("en")} flows on a 4,096-node fat-tree   ${fabric.ms.toFixed(2)} ms per solve`);
const storage = benchStorage(now);
log(`  ${storage.transfers.toLocaleString("en")} filesystem transfers (fluid sharing)   ${storage.ms.toFixed(0)} ms`);

log("sweep: parameter-sweep-burst, 3 strategies × 2 replications a point, whole process");
const sweep1 = benchSweep(8, 1, now);
const sweep2 = benchSweep(8, 2, now);
const sweep16 = benchSweep(16, 2, now);
const speedUp = sweep1.seconds / sweep2.seconds;
log(`  8 points (${sweep1.runs} runs), 1 worker    ${sweep1.seconds.toFixed(2)} s, peak RSS ${sweep1.peakRssMiB} MiB`);
log(`  8 points (${sweep2.runs} runs), 2 workers   ${sweep2.seconds.toFixed(2)} s, peak RSS ${sweep2.peakRssMiB} MiB; speed-up ${speedUp.toFixed(2)}× (target ≥ 1.7)`);
log(`  16 points (${sweep16.runs} runs), 2 workers  ${sweep16.seconds.toFixed(2)} s, peak RSS ${sweep16.peakRssMiB} MiB (bounded: no growth with points)`);
log(`  memory per extra worker ≈ ${sweep2.peakRssMiB - sweep1.peakRssMiB} MiB (peak RSS on 2 workers minus on 1)`);
log("light run: quickstart, 2 strategies × 40 replications, whole process");
const light1 = benchLightRun(1, now);
const light2 = benchLightRun(2, now);
log(`  1 worker   ${light1.seconds.toFixed(2)} s`);
log(`  2 workers  ${light2.seconds.toFixed(2)} s (target: not slower than 1 worker; too little work to start a thread for)`);

if (json) {
  const figures = {
    hold_1k_eps: Math.round(hold1k.eventsPerSecond),
    hold_100k_eps: Math.round(hold100k.eventsPerSecond),
    hold_1k_process_eps: Math.round(process1k.eventsPerSecond),
    hold_100k_process_eps: Math.round(process100k.eventsPerSecond),
    cluster_year_s: Number(year.loopSeconds.toFixed(4)),
    cluster_year_run_s: Number(year.runSeconds.toFixed(4)),
    cluster_year_process_s: Number(year.processSeconds.toFixed(4)),
    cluster_year_peak_rss_mib: year.peakRssMiB,
    cluster_10y_s: Number(decade.loopSeconds.toFixed(4)),
    cluster_10y_peak_rss_mib: decade.peakRssMiB,
    cluster_10y_heap_by_year_mib: decade.heapByYearMiB,
    cluster_month_s: Number(month.seconds.toFixed(4)),
    cluster_month_peak_rss_mib: month.peakRssMiB,
    cluster_month_pace_changes: month.paceChanges,
    cluster_month_max_min_solves: month.maxMinSolves,
    alibaba_fill_s: Object.fromEntries(fills.map((fill) => [fill.placement, Number(fill.seconds.toFixed(4))])),
    gpu_month_s: Number(gpuMonth.seconds.toFixed(4)),
    gpu_month_peak_rss_mib: gpuMonth.peakRssMiB,
    lanl_read_s: Number((lanlRead.ms / 1_000).toFixed(4)),
    lanl_easy_s: Number(lanlEasy.seconds.toFixed(4)),
    lanl_conservative_s: Number(lanlConservative.seconds.toFixed(4)),
    fabric_maxmin_2k_flows_ms: Number(fabric.ms.toFixed(3)),
    storage_100k_transfers_ms: Math.round(storage.ms),
    sweep_8_points_1_worker_s: Number(sweep1.seconds.toFixed(3)),
    sweep_8_points_2_workers_s: Number(sweep2.seconds.toFixed(3)),
    sweep_speed_up: Number(speedUp.toFixed(3)),
    sweep_1_worker_peak_rss_mib: sweep1.peakRssMiB,
    sweep_2_workers_peak_rss_mib: sweep2.peakRssMiB,
    sweep_16_points_2_workers_peak_rss_mib: sweep16.peakRssMiB,
    light_run_1_worker_s: Number(light1.seconds.toFixed(3)),
    light_run_2_workers_s: Number(light2.seconds.toFixed(3)),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
