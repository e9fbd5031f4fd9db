import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The sweep benchmark: parameter-sweep-burst over 8 (or 16) values of the metadata
 * server's rate, 3 strategies × 2 replications a point, as `faultline sweep` runs it on 1
 * and on 2 worker threads, each in a fresh process timed from outside (the heavy case);
 * and `faultline run quickstart --replications 40` on 1 and 2 (the light case, a second
 * of work, where starting a worker thread costs more than it saves).
 */
export interface SweepFigures {
  readonly points: number;
  readonly runs: number;
  readonly workers: number;
  readonly seconds: number;
  readonly peakRssMiB: number;
}

const RATES = [500, 750, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 10000, 12000, 16000, 20000, 30000, 40000, 60000];

export function benchSweep(points: number, workers: number, now: () => number): SweepFigures {
  const rates = RATES.slice(0, points).join(",");
  const args = ["sweep", "parameter-sweep-burst", "--set", `cluster.storage.metadataOpsPerSec=${rates}`, "--replications", "2"];
  return { points, runs: points * 3 * 2, workers, ...timeCli(args, workers, now) };
}

/** The light case: quickstart's 2 strategies × 40 replications, about a second of work. */
export function benchLightRun(workers: number, now: () => number): SweepFigures {
  return { points: 1, runs: 80, workers, ...timeCli(["run", "quickstart", "--replications", "40"], workers, now) };
}

/** A faultline command in a fresh process, timed from outside, with its peak RSS. */
function timeCli(args: readonly string[], workers: number, now: () => number): { seconds: number; peakRssMiB: number } {
  const child = fileURLToPath(new URL("./sweep-child.js", import.meta.url));
  const out = mkdtempSync(join(tmpdir(), "faultline-bench-sweep-"));
  const start = now();
  const result = spawnSync(process.execPath, [child, ...args, "--workers", String(workers), "--out", out], { encoding: "utf8" });
  const seconds = (now() - start) / 1_000;
  rmSync(out, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`faultline ${args[0]} benchmark failed: ${result.stderr}`);
  const peak = /peak-rss-kib (\d+)\s*$/.exec(result.stderr);
  if (peak === null) throw new Error(`faultline ${args[0]} benchmark: no peak RSS in ${result.stderr}`);
  return { seconds, peakRssMiB: Math.round(Number(peak[1]) / 1024) };
}
