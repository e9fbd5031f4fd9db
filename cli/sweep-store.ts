import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunOutcome } from "../scenarios/runner.js";
import { runName, type SweepRequest, type SweepRun } from "../scenarios/sweep.js";
import { InputError } from "./usage.js";
import { writeFileAtomically } from "./result-files.js";

/**
 * A sweep's output folder while it runs: `sweep.json` says which sweep it is, and
 * `parts/` holds one file per finished run, each written atomically (a temporary sibling,
 * then rename) the moment the run ends. A killed sweep leaves only whole parts; resuming
 * skips them, shards of one sweep fill the same or separate folders, and merging reads
 * parts alone. Results are assembled from parts in every case, so a merged sweep and an
 * unsharded one are the same bytes.
 */
export interface SweepManifest {
  readonly format: 1;
  readonly faultlineVersion: string;
  readonly request: SweepRequest;
}

export function manifestText(manifest: SweepManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const MANIFEST = "sweep.json";
const PARTS = "parts";

/** The manifest of a sweep folder, or null when it has none. */
export function readManifest(folder: string): SweepManifest | null {
  const path = join(folder, MANIFEST);
  if (!existsSync(path)) return null;
  try {
    const manifest = JSON.parse(readFileSync(path, "utf8")) as SweepManifest;
    if (manifest.format !== 1 || typeof manifest.request?.scenarioText !== "string") throw new Error("not a sweep manifest");
    return manifest;
  } catch (error) {
    throw new InputError([`${path}: ${(error as Error).message}`]);
  }
}

/**
 * Opens `folder` for `manifest`'s sweep. Fresh starts from nothing (the parts of an
 * earlier sweep there are removed); otherwise (resuming, or a shard joining its siblings)
 * a folder holding a different sweep is refused, since mixing parts would be wrong.
 */
export function openSweepFolder(folder: string, manifest: SweepManifest, fresh: boolean): void {
  const existing = readManifest(folder);
  if (fresh) {
    rmSync(join(folder, PARTS), { recursive: true, force: true });
  } else if (existing !== null && manifestText(existing) !== manifestText(manifest)) {
    throw new InputError([
      `${join(folder, MANIFEST)}: this folder holds a different sweep (another scenario text, --set, --seed, ` +
        `--replications or faultline version); choose another --out, or run without --resume to start over`,
    ]);
  }
  mkdirSync(join(folder, PARTS), { recursive: true });
  writeFileAtomically(join(folder, MANIFEST), manifestText(manifest));
}

function partPath(folder: string, run: SweepRun): string {
  return join(folder, PARTS, `${runName(run)}.json`);
}

export function hasPart(folder: string, run: SweepRun): boolean {
  return existsSync(partPath(folder, run));
}

export function writePart(folder: string, run: SweepRun, outcome: RunOutcome): void {
  writeFileAtomically(partPath(folder, run), `${JSON.stringify(outcome, encodeNumber)}\n`);
}

/** The run's outcome from the first folder holding it, or null when none does. */
export function readPart(folders: readonly string[], run: SweepRun): RunOutcome | null {
  for (const folder of folders) {
    const path = partPath(folder, run);
    if (!existsSync(path)) continue;
    try {
      return JSON.parse(readFileSync(path, "utf8"), decodeNumber) as RunOutcome;
    } catch (error) {
      throw new InputError([`${path}: ${(error as Error).message}; delete it and run its shard again with --resume`]);
    }
  }
  return null;
}

// JSON has no Infinity, NaN or -0; parts must give back exactly what the run produced.
const NUMBER_TAG = "~number";

function encodeNumber(_key: string, value: unknown): unknown {
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) {
    return { [NUMBER_TAG]: Object.is(value, -0) ? "-0" : String(value) };
  }
  return value;
}

function decodeNumber(_key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && NUMBER_TAG in value) {
    return Number((value as Record<string, string>)[NUMBER_TAG]);
  }
  return value;
}
