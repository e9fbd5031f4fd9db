import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { METRIC_NAMES } from "../reports/records.js";
import { replicationSeed, type RunOutcome } from "../runner/run.js";
import { runName, type SweepPlan, type SweepRequest, type SweepRun } from "../runner/sweep.js";
import { InputError } from "./usage.js";
import { readInputFile, startOwnFolder, writeFileAtomically } from "./result-files.js";

/**
 * A sweep's output folder while it runs: `sweep.json` says which sweep it is, and
 * `parts/` holds one file per finished run, each written atomically (a temporary sibling,
 * then rename) the moment the run ends. A killed sweep leaves only whole parts; resuming
 * skips them, shards of one sweep fill the same or separate folders, and merging reads
 * parts alone. Results are assembled from parts in every case, so a merged sweep and an
 * unsharded one are the same bytes.
 *
 * A part is bound to its sweep (the hash of sweep.json: scenario text, grid, seed,
 * replications, faultline version) and to its run, and is checked against a schema when
 * read: a part from another sweep, another point or an edited one is refused, never merged.
 */
export interface SweepManifest {
  readonly format: 1;
  readonly faultlineVersion: string;
  readonly request: SweepRequest;
}

export function manifestText(manifest: SweepManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** What binds a part to its sweep: the SHA-256 of the manifest's text. */
export function manifestHash(manifest: SweepManifest): string {
  return createHash("sha256").update(manifestText(manifest)).digest("hex");
}

const MANIFEST = "sweep.json";
const PARTS = "parts";

const manifestSchema = z.strictObject({
  format: z.literal(1),
  faultlineVersion: z.string(),
  request: z.strictObject({
    scenarioFile: z.string(),
    scenarioText: z.string(),
    sets: z.array(z.string()),
    seed: z.number().int().nonnegative().nullable(),
    replications: z.number().int().positive().nullable(),
  }),
});

/** The manifest of a sweep folder, or null when it has none. */
export function readManifest(folder: string): SweepManifest | null {
  const path = join(folder, MANIFEST);
  if (!existsSync(path)) return null;
  const parsed = manifestSchema.safeParse(parseJson(path, readInputFile(path)));
  if (!parsed.success) throw new InputError([`${path}: not a sweep manifest (${parsed.error.issues[0].message} at ${z.core.toDotPath(parsed.error.issues[0].path)})`]);
  return parsed.data;
}

/**
 * Opens `folder`, claimed already, for `manifest`'s sweep. Fresh starts from nothing (an
 * earlier sweep's parts and points there are removed); otherwise (resuming, or a shard
 * joining its siblings) a folder holding a different sweep is refused, since mixing parts
 * would be wrong.
 */
export function openSweepFolder(folder: string, manifest: SweepManifest, fresh: boolean): void {
  const existing = fresh ? null : readManifest(folder);
  if (existing !== null && manifestText(existing) !== manifestText(manifest)) {
    throw new InputError([
      `${join(folder, MANIFEST)}: this folder holds a different sweep (another scenario text, --set, --seed, ` +
        `--replications or faultline version); choose another --out, or run without --resume to start over`,
    ]);
  }
  startOwnFolder(folder, fresh);
  mkdirSync(join(folder, PARTS), { recursive: true });
  writeFileAtomically(join(folder, MANIFEST), manifestText(manifest));
}

function partPath(folder: string, run: SweepRun): string {
  return join(folder, PARTS, `${runName(run)}.json`);
}

export function hasPart(folder: string, run: SweepRun): boolean {
  return existsSync(partPath(folder, run));
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
    const text = (value as Record<string, unknown>)[NUMBER_TAG];
    return typeof text === "string" && ["-0", "Infinity", "-Infinity", "NaN"].includes(text) ? Number(text) : value;
  }
  return value;
}

const count = z.number().int().nonnegative();
const anyNumber = z.custom<number>((value) => typeof value === "number", "expected a number");
const seriesSchema = z.array(z.strictObject({ timeH: anyNumber, value: anyNumber }));

const partSchema = z.strictObject({
  format: z.literal(2),
  sweep: z.string(),
  run: z.strictObject({ point: count, strategyIndex: count, replication: count }),
  outcome: z.strictObject({
    run: z.strictObject({
      strategy: z.string(),
      replication: count,
      seed: count,
      metrics: z.record(z.enum(METRIC_NAMES), anyNumber.nullable()),
    }),
    trace: z
      .strictObject({
        strategy: z.string(),
        replication: count,
        utilization: seriesSchema,
        queueLength: seriesSchema,
        failures: z.array(
          z.strictObject({ timeH: anyNumber, kind: z.string(), target: z.string(), durationH: anyNumber.nullable() }),
        ),
        pools: z.array(z.strictObject({ name: z.string(), gpuUtilization: anyNumber })).optional(),
      })
      .nullable(),
  }),
});

export function writePart(folder: string, sweep: string, run: SweepRun, outcome: RunOutcome): void {
  // A sweep keeps each run's metrics and trace; the job log and records are `run`'s.
  const kept = { run: outcome.run, trace: outcome.trace };
  const part = { format: 2, sweep, run: { point: run.point, strategyIndex: run.strategyIndex, replication: run.replication }, outcome: kept };
  writeFileAtomically(partPath(folder, run), `${JSON.stringify(part, encodeNumber)}\n`);
}

/**
 * The run's outcome from the first folder holding it, or null when none does. A part
 * that is malformed, or written for another sweep or run, is bad input naming it.
 */
export function readPart(folders: readonly string[], plan: SweepPlan, sweep: string, run: SweepRun): RunOutcome | null {
  for (const folder of folders) {
    const path = partPath(folder, run);
    if (!existsSync(path)) continue;
    const redo = "delete it and run its shard again with --resume";
    const parsed = partSchema.safeParse(parseJson(path, readInputFile(path), decodeNumber));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError([`${path}: not a sweep part (${z.core.toDotPath(issue.path)}: ${issue.message}); ${redo}`]);
    }
    const part = parsed.data;
    const point = plan.points[run.point];
    const strategy = point.scenario.strategies[run.strategyIndex].name;
    const mismatch =
      part.sweep !== sweep
        ? "written for another sweep (scenario, grid, seed or faultline version)"
        : part.run.point !== run.point || part.run.strategyIndex !== run.strategyIndex || part.run.replication !== run.replication
          ? `holds run ${runName(part.run)}`
          : part.outcome.run.strategy !== strategy ||
              part.outcome.run.replication !== run.replication ||
              part.outcome.run.seed !== replicationSeed(point.seed, run.replication) ||
              (part.outcome.trace !== null && (part.outcome.trace.strategy !== strategy || part.outcome.trace.replication !== run.replication))
            ? `its outcome is not strategy ${strategy}, replication ${run.replication}`
            : null;
    if (mismatch !== null) throw new InputError([`${path}: ${mismatch}; ${redo}`]);
    return { ...(part.outcome as Pick<RunOutcome, "run" | "trace">), jobs: null, events: [] };
  }
  return null;
}

function parseJson(path: string, text: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  try {
    return JSON.parse(text, reviver);
  } catch (error) {
    throw new InputError([`${path}: not JSON (${(error as Error).message})`]);
  }
}
