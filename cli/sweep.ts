import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sweepCsv, type SweepPointSummary } from "../reports/csv.js";
import { summaryJson } from "../reports/json.js";
import { optimumMarkers, sweepReportHtml, type SweepReport } from "../reports/sweep-html.js";
import { resolveScenarioPath } from "../scenarios/library.js";
import { readScenarioText } from "../scenarios/parse.js";
import { assembleResults, type RunOutcome } from "../runner/run.js";
import {
  axisNumbers,
  intervalOptima,
  parseShardOption,
  planSweep,
  runName,
  shardRuns,
  sweepGrid,
  type SweepPlan,
  type SweepRequest,
  type SweepRun,
} from "../runner/sweep.js";
import { executeRuns } from "../runner/workers.js";
import { faultlineVersion, help, prepareOrThrow, writeRunFolder } from "./commands.js";
import { claimOutputFolder, startOwnFolder, writeFileAtomically, writeProblem } from "./result-files.js";
import {
  hasPart,
  manifestHash,
  manifestText,
  openSweepFolder,
  readManifest,
  readPart,
  writePart,
  type SweepManifest,
} from "./sweep-store.js";
import { RunsProgress } from "./terminal.js";
import { InputError, UsageError, integerOption, parseCommandArgs } from "./usage.js";

/** The options `sweep` and `slurm` share: what the sweep is, and how many threads run it. */
const SWEEP_OPTIONS = {
  set: { type: "string", multiple: true },
  seed: { type: "string" },
  replications: { type: "string" },
  workers: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  force: { type: "boolean" },
} as const;

interface SweepOptionValues {
  readonly set?: string[];
  readonly seed?: string;
  readonly replications?: string;
  readonly workers?: string;
  readonly out?: string;
}

/** The sweep the command line asks for, planned and checked (every point against the schema). */
async function sweepFromArgs(command: string, positionals: string[], values: SweepOptionValues) {
  if (positionals.length !== 1) throw new UsageError(command, "expects one scenario (a file or a bundled name)");
  const scenarioFile = resolve(resolveScenarioPath(positionals[0]));
  const read = await readScenarioText(scenarioFile);
  if (!read.ok) throw new InputError(read.problems);
  const request: SweepRequest = {
    scenarioFile,
    scenarioText: read.value,
    sets: values.set ?? [],
    seed: integerOption(command, "seed", values.seed, 0) ?? null,
    replications: integerOption(command, "replications", values.replications, 1) ?? null,
  };
  const plan = planOrThrow(command, request);
  const out = resolve(values.out ?? join("results", `${plan.points[0].scenario.name}-sweep`));
  const workers = integerOption(command, "workers", values.workers, 1) ?? 1;
  return { plan, out, workers, manifest: { format: 1, faultlineVersion: faultlineVersion(), request } as SweepManifest };
}

function planOrThrow(command: string, request: SweepRequest): SweepPlan {
  let planned;
  try {
    planned = planSweep(request);
  } catch (error) {
    // A malformed --set; a bad value is a problem in the scenario, below.
    throw new UsageError(command, (error as Error).message);
  }
  if (!planned.ok) throw new InputError(planned.problems);
  return planned.value;
}

export async function sweepCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("sweep", args, { ...SWEEP_OPTIONS, shard: { type: "string" }, json: { type: "boolean" } });
  if (values.help === true) return help("sweep");
  const { plan, out, workers, manifest } = await sweepFromArgs("sweep", positionals, values);
  let shard = { index: 1, count: 1 };
  if (values.shard !== undefined) {
    try {
      shard = parseShardOption(values.shard);
    } catch (error) {
      throw new UsageError("sweep", (error as Error).message);
    }
  }
  const resume = values.resume === true;
  // Shards of one sweep share its folder, so only a whole sweep run afresh clears it.
  const fresh = !resume && shard.count === 1;
  claimOutputFolder(out, {
    command: "sweep",
    force: values.force === true,
    replace: fresh,
    ...(shard.count > 1 ? { shard: `${shard.index}-of-${shard.count}` } : {}),
  });
  openSweepFolder(out, manifest, fresh);
  const mine = shardRuns(plan.runs, shard.index, shard.count);
  const todo = resume ? mine.filter((run) => !hasPart(out, run)) : mine;
  const sharded = shard.count > 1 ? `, shard ${shard.index}/${shard.count}` : "";
  const name = plan.points[0].scenario.name;
  process.stderr.write(
    `faultline ${faultlineVersion()}: sweep of ${name}, ${plan.points.length} points, ${plan.runs.length} runs${sharded}` +
      (resume ? `; ${mine.length - todo.length} of ${mine.length} already done` : "") +
      "\n",
  );
  const startMs = performance.now();
  await runSweep(plan, todo, workers, out, manifestHash(manifest));
  const seconds = ((performance.now() - startMs) / 1_000).toFixed(1);
  // One line per shard for the logs (a Slurm task's output file).
  process.stderr.write(
    `${shard.count > 1 ? `shard ${shard.index}/${shard.count}` : "sweep"}: ${todo.length} runs in ${seconds} s ` +
      `on ${workers} worker${workers === 1 ? "" : "s"}` +
      (resume ? `, ${mine.length - todo.length} already done` : "") +
      `; parts in ${join(out, "parts")}\n`,
  );
  if (shard.count > 1) {
    process.stderr.write(`when every shard is done: faultline merge ${out}\n`);
    return 0;
  }
  process.stdout.write(sweepOutput(mergeSweep([out], out), values.json === true));
  process.stderr.write(`results: ${out}/ (sweep.csv, sweep.html, point-*/)\n`);
  return 0;
}

/** Runs `runs` of the plan, each persisted as its part the moment it ends, with progress on a TTY. */
async function runSweep(plan: SweepPlan, runs: readonly SweepRun[], workers: number, out: string, sweep: string): Promise<void> {
  const { request, points } = plan;
  const progress = new RunsProgress(points[0].scenario.name, runs.length);
  const pointTotals = new Array<number>(points.length).fill(0);
  for (const run of runs) pointTotals[run.point]++;
  const pointDone = new Array<number>(points.length).fill(0);
  const inputs = points.map((point) => ({
    scenario: point.scenario,
    scenarioPath: request.scenarioFile,
    seed: point.seed,
    injections: [],
  }));
  await executeRuns(inputs, runs, {
    workers,
    prepare: (point) => prepareOrThrow(points[point].scenario, request.scenarioFile),
    onDone: (index, outcome) => {
      const run = runs[index];
      writePart(out, sweep, run, outcome);
      pointDone[run.point]++;
      const point = points[run.point];
      progress.done(
        index,
        points.length === 1
          ? "runs ·"
          : `runs · point ${run.point + 1}/${points.length} (${point.label}) ${pointDone[run.point]}/${pointTotals[run.point]} ·`,
      );
    },
    onProgress: (index, share) => progress.share(index, share),
    // The run alone: a one-point sweep of its values and seed.
    reproduce: (run, failure) => {
      const sets = plan.axes.map((axis, i) => ` --set ${axis.path}=${points[run.point].values[i]}`).join("");
      return `faultline sweep ${request.scenarioFile}${sets} --seed ${failure.seed} --replications 1`;
    },
  });
  progress.finish();
}

/**
 * Assembles the sweep whose parts are in `folders` into `out`: a result folder per point
 * sweep.csv and sweep.html; returns the table and the points. Every part must be there; the folders must hold the
 * same sweep, written by this faultline version.
 */
function mergeSweep(folders: readonly string[], out: string): { table: string; points: readonly SweepPointSummary[] } {
  const manifests = folders.map((folder) => {
    const manifest = readManifest(folder);
    if (manifest === null) throw new InputError([`${join(folder, "sweep.json")}: not found; is ${folder} a sweep's output folder?`]);
    return manifest;
  });
  const manifest = manifests[0];
  manifests.forEach((other, i) => {
    if (manifestText(other) !== manifestText(manifest)) {
      throw new InputError([`${join(folders[i], "sweep.json")}: a different sweep from ${join(folders[0], "sweep.json")}`]);
    }
  });
  if (manifest.faultlineVersion !== faultlineVersion()) {
    throw new InputError([
      `${join(folders[0], "sweep.json")}: written by faultline ${manifest.faultlineVersion}, this is ` +
        `${faultlineVersion()}; merge with the version that ran the shards`,
    ]);
  }
  const plan = planOrThrow("merge", manifest.request);
  const sweep = manifestHash(manifest);
  const missing = plan.runs.filter((run) => !folders.some((folder) => hasPart(folder, run)));
  if (missing.length > 0) {
    const some = missing.slice(0, 5).map(runName).join(", ");
    throw new InputError([
      `${folders.join(", ")}: ${missing.length} of ${plan.runs.length} runs have no part (${some}` +
        `${missing.length > 5 ? ", …" : ""}); run the shards that hold them again with --resume`,
    ]);
  }
  const summaries: SweepPointSummary[] = plan.points.map((point, index) => {
    const outcomes = plan.runs
      .filter((run) => run.point === index)
      .map((run) => readPart(folders, plan, sweep, run) as RunOutcome);
    const options = { seed: point.seed, replications: point.replications, faultlineVersion: manifest.faultlineVersion };
    const results = assembleResults(point.scenario, options, outcomes);
    writeRunFolder(join(out, point.folder), results, new Map([["point.json", pointJson(plan, index)]]));
    return { folder: point.folder, values: point.values, summary: results.summary, runs: results.runs };
  });
  const table = sweepCsv(
    plan.axes.map((axis) => axis.path),
    summaries,
  );
  if (!folders.includes(out)) writeFileAtomically(join(out, "sweep.json"), manifestText(manifest));
  writeFileAtomically(join(out, "sweep.csv"), table);
  writeFileAtomically(join(out, "sweep.html"), sweepReportHtml(sweepReport(plan, summaries, manifest.faultlineVersion)));
  return { table, points: summaries };
}

/**
 * What sweep and merge print: sweep.csv, or with --json each point's folder, its --set
 * values and its summary.json (as the point's folder holds it), in point order.
 */
function sweepOutput(merged: ReturnType<typeof mergeSweep>, json: boolean): string {
  if (!json) return merged.table;
  const points = merged.points.map((point) => ({ folder: point.folder, values: point.values, summary: JSON.parse(summaryJson(point.summary)) as unknown }));
  return `${JSON.stringify(points, null, 2)}\n`;
}

/**
 * point.json: what a point folder holds, since its name may not say (a long or unsafe
 * label is left off): the point's index in the grid and each `--set` value by path.
 */
export function pointJson(plan: SweepPlan, index: number): string {
  const point = plan.points[index];
  const values = Object.fromEntries(plan.axes.map((axis, i) => [axis.path, point.values[i]]));
  return `${JSON.stringify({ index: point.index, folder: point.folder, values }, null, 2)}\n`;
}

/** What sweep.html draws: the points' summaries, each axis's values as numbers, and Young/Daly where they apply. */
export function sweepReport(plan: SweepPlan, points: readonly SweepPointSummary[], version: string): SweepReport {
  const grid = sweepGrid(plan.axes);
  return {
    scenario: plan.points[0].scenario.name,
    description: plan.points[0].scenario.description ?? "",
    faultlineVersion: version,
    axes: plan.axes.map((axis, a) => ({ label: axis.path, texts: axis.texts, numbers: axisNumbers(plan, a) })),
    grid: plan.points.map((point) => grid[point.index]),
    points,
    markers: plan.axes.map((_, a) => optimumMarkers(intervalOptima(plan, a))),
  };
}

export function mergeCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs("merge", args, { out: { type: "string" }, force: { type: "boolean" }, json: { type: "boolean" } });
  if (values.help === true) return help("merge");
  if (positionals.length === 0) throw new UsageError("merge", "expects at least one sweep folder");
  const folders = positionals.map((folder) => resolve(folder));
  const out = resolve(values.out ?? folders[0]);
  // Into a shard's own folder the results join its parts; elsewhere they replace what was there.
  const intoShard = folders.includes(out);
  claimOutputFolder(out, { command: "merge", force: values.force === true, replace: !intoShard });
  if (!intoShard) startOwnFolder(out, true);
  process.stdout.write(sweepOutput(mergeSweep(folders, out), values.json === true));
  process.stderr.write(`results: ${out}/ (sweep.csv, sweep.html, point-*/)\n`);
  return 0;
}

export async function slurmCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("slurm", args, {
    ...SWEEP_OPTIONS,
    array: { type: "string" },
    submit: { type: "boolean" },
    partition: { type: "string" },
    time: { type: "string" },
  });
  if (values.help === true) return help("slurm");
  const { plan, out, workers, manifest } = await sweepFromArgs("slurm", positionals, values);
  const tasks = integerOption("slurm", "array", values.array, 1);
  if (tasks === undefined) throw new UsageError("slurm", "needs --array N (the number of shards, one array task each)");
  if (tasks > plan.runs.length) {
    throw new UsageError("slurm", `--array ${tasks} is more shards than the sweep has runs (${plan.runs.length})`);
  }
  // Scripts written now run against this folder: a new sweep starts clean (unless resuming).
  const fresh = values.resume !== true;
  claimOutputFolder(out, { command: "slurm", force: values.force === true, replace: fresh });
  openSweepFolder(out, manifest, fresh);
  const scripts = slurmScripts(plan, { out, workers, tasks, partition: values.partition, time: values.time });
  const folder = join(out, "slurm");
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw writeProblem(folder, error);
  }
  const arrayScript = join(folder, "array.sbatch");
  const mergeScript = join(folder, "merge.sbatch");
  writeFileAtomically(arrayScript, scripts.array);
  writeFileAtomically(mergeScript, scripts.merge);
  process.stderr.write(`wrote ${arrayScript} (${tasks} shards of ${plan.runs.length} runs) and ${mergeScript}\n`);
  if (values.submit !== true) {
    process.stdout.write(`jid=$(sbatch --parsable ${arrayScript}) && sbatch --dependency=afterok:\${jid%%;*} ${mergeScript}\n`);
    return 0;
  }
  const arrayJob = sbatch([arrayScript]);
  const mergeJob = sbatch([`--dependency=afterok:${arrayJob}`, mergeScript]);
  process.stdout.write(`submitted array job ${arrayJob} (${tasks} shards) and merge job ${mergeJob} (after all succeed)\n`);
  process.stderr.write(`watch: squeue -j ${arrayJob},${mergeJob}; logs: ${folder}/; results: ${out}/\n`);
  return 0;
}

/** Submits a batch script; returns the job id. Slurm's own complaint is bad input (exit 2). */
function sbatch(args: string[]): string {
  const result = spawnSync("sbatch", ["--parsable", ...args], { encoding: "utf8" });
  if (result.error !== undefined) {
    throw new InputError([`sbatch: cannot run it (${(result.error as NodeJS.ErrnoException).code}); is Slurm's client installed?`]);
  }
  if (result.status !== 0) throw new InputError([`sbatch ${args.join(" ")}: ${result.stderr.trim() || `exit ${result.status}`}`]);
  // --parsable prints "id" or "id;cluster".
  return result.stdout.trim().split(";")[0];
}

interface SlurmSettings {
  readonly out: string;
  readonly workers: number;
  readonly tasks: number;
  readonly partition: string | undefined;
  readonly time: string | undefined;
}

/**
 * The job-array script (task i runs shard i/N, resuming, so a requeued task redoes only
 * what it had not finished) and the merge script. Paths are absolute: jobs start wherever
 * Slurm starts them. Slurm schedules; faultline only splits the work.
 */
export function slurmScripts(plan: SweepPlan, settings: SlurmSettings): { array: string; merge: string } {
  const { request } = plan;
  const name = plan.points[0].scenario.name;
  const cli = [process.execPath, join(dirname(fileURLToPath(import.meta.url)), "main.js")].map(shellQuote).join(" ");
  const logs = join(settings.out, "slurm");
  const header = (job: string, extra: string[]) =>
    [
      "#!/bin/bash",
      `#SBATCH --job-name=faultline-${name}-${job}`,
      ...extra,
      ...(settings.partition === undefined ? [] : [`#SBATCH --partition=${settings.partition}`]),
      ...(settings.time === undefined ? [] : [`#SBATCH --time=${settings.time}`]),
      `# Written by faultline ${faultlineVersion()} for the sweep of ${name}: ${plan.points.length} points, ${plan.runs.length} runs.`,
      "set -euo pipefail",
    ].join("\n");
  const sweepArgs = [
    shellQuote(request.scenarioFile),
    ...request.sets.map((set) => `--set ${shellQuote(set)}`),
    ...(request.seed === null ? [] : [`--seed ${request.seed}`]),
    ...(request.replications === null ? [] : [`--replications ${request.replications}`]),
    `--workers ${settings.workers}`,
    `--out ${shellQuote(settings.out)}`,
  ].join(" ");
  const array = `${header("shards", [
    `#SBATCH --array=1-${settings.tasks}`,
    `#SBATCH --cpus-per-task=${settings.workers}`,
    `#SBATCH --output=${logs}/shard-%a.log`,
  ])}
exec ${cli} sweep ${sweepArgs} --shard "\${SLURM_ARRAY_TASK_ID}/${settings.tasks}" --resume
`;
  const merge = `${header("merge", ["#SBATCH --cpus-per-task=1", `#SBATCH --output=${logs}/merge.log`])}
exec ${cli} merge ${shellQuote(settings.out)}
`;
  return { array, merge };
}

function shellQuote(text: string): string {
  return /^[\w./=,:@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
