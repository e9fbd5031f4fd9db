import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { z } from "zod";
import { comparisonTable } from "../reports/table.js";
import { sanitizeTerminal } from "../reports/text.js";
import { objectiveSentence } from "../reports/verdict.js";
import { jobsCsv, runsCsv } from "../reports/csv.js";
import { eventsJsonl, resultSetFromFiles, summaryJson, tracesJson } from "../reports/json.js";
import { parseRunsCsv } from "../reports/csv.js";
import { reportHtml } from "../reports/html.js";
import { reportMarkdown } from "../reports/markdown.js";
import { bundledScenarios, loadScenario, packageRoot, resolveScenarioPath } from "../scenarios/library.js";
import { prepareScenario, TraceInputError } from "../scenarios/prepare.js";
import { assembleResults, replicationKeys, type ReplicationFailure, type RunOutcome } from "../runner/run.js";
import { executeRuns } from "../runner/workers.js";
import { absoluteGatesNeed, checkAbsoluteGates } from "../runner/gate.js";
import { absoluteFailureMessage, absoluteTable, failedAbsoluteGates, githubAnnotations } from "../reports/regress.js";
import type { AdHocInjection } from "../models/failures/ad-hoc.js";
import type { ResultSet } from "../reports/records.js";
import { isServiceScenario, scenarioSchema, type Scenario } from "../scenarios/schema.js";
import { parseInjection } from "./inject.js";
import { OUTPUT_MARKER, claimOutputFolder, isOwnFolder, readInputFile, writeFileAtomically, writeResultFolder } from "./result-files.js";
import { RunsProgress, useColor } from "./terminal.js";
import { HELP, InputError, UsageError, integerOption, parseCommandArgs } from "./usage.js";

/** The version in package.json. */
export function faultlineVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version as string;
}

export async function loadOrThrow(pathOrName: string): Promise<Scenario> {
  const result = await loadScenario(pathOrName);
  if (!result.ok) throw new InputError(result.problems);
  for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  return result.value;
}

/** Reads the scenario's trace, if any; bad trace lines are bad input (exit 2). */
export function prepareOrThrow(scenario: Scenario, pathOrName: string) {
  try {
    const prepared = prepareScenario(scenario, resolveScenarioPath(pathOrName));
    for (const note of prepared.notes) process.stderr.write(`note: ${note}\n`);
    return prepared;
  } catch (error) {
    if (error instanceof TraceInputError) throw new InputError(error.problems);
    throw error;
  }
}

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("run", args, {
    seed: { type: "string" },
    replications: { type: "string" },
    strategy: { type: "string", multiple: true },
    out: { type: "string" },
    json: { type: "boolean" },
    inject: { type: "string", multiple: true },
    workers: { type: "string" },
    force: { type: "boolean" },
    check: { type: "boolean" },
    records: { type: "boolean" },
  });
  if (values.help === true) return help("run");
  if (positionals.length !== 1) throw new UsageError("run", "expects one scenario (a file or a bundled name)");
  const file = positionals[0];
  const loaded = await loadOrThrow(file);
  const seed = integerOption("run", "seed", values.seed, 0) ?? loaded.seed;
  const replications = integerOption("run", "replications", values.replications, 1) ?? loaded.replications;
  const workers = integerOption("run", "workers", values.workers, 1) ?? 1;
  const scenario = selectStrategies(loaded, values.strategy);
  const check = values.check === true;
  if (check) checkableOrThrow(loaded, file, replications);
  if (isServiceScenario(scenario) && values.inject !== undefined) {
    throw new UsageError("run", "--inject places faults on a cluster; a service scenario lists its faults under failures");
  }
  const injections = isServiceScenario(scenario) ? [] : (values.inject ?? []).map((text) => parseInjection(text, scenario));
  const out = values.out ?? join("results", scenario.name);
  // Before any work: a folder that may not be written is refused now, not after the run.
  claimOutputFolder(out, { command: "run", force: values.force === true, replace: true });

  process.stderr.write(`faultline ${faultlineVersion()}: ${scenario.name}, seed ${seed}, ${replications} replications\n`);
  const reproduce = (failure: ReplicationFailure) =>
    `faultline run ${file} --seed ${failure.seed} --replications 1 --strategy ${failure.strategy}` +
    (values.inject ?? []).map((text) => ` --inject ${text}`).join("");
  const records = values.records === true;
  const { results, summary } = await runToFolder(scenario, file, { seed, replications, workers, injections, reproduce, records }, out);
  if (values.json === true) {
    process.stdout.write(summary);
  } else {
    process.stdout.write(comparisonTable(results.summary, { color: useColor(process.stdout) }));
    const objective = objectiveSentence(results);
    if (objective !== null) process.stdout.write(`\n${sanitizeTerminal(objective)}\n`);
  }
  for (const warning of resultWarnings(results)) process.stderr.write(`warning: ${warning}\n`);
  const logs = [...(results.jobs === undefined ? [] : ["jobs.csv"]), ...(results.events === undefined ? [] : ["events.jsonl"])];
  process.stderr.write(`results: ${out}/ (summary.json, runs.csv, traces.json, ${[...logs, ""].join(", ")}report.md, report.html)\n`);
  return check ? reportAbsoluteGates(scenario, file, results) : 0;
}

/** `run --check` needs absolute gates to judge, and enough replications for their bounds. */
function checkableOrThrow(scenario: Scenario, file: string, replications: number): void {
  const gates = scenario.gates;
  if (gates === undefined || !gates.metrics.some((gate) => gate.min !== undefined || gate.max !== undefined)) {
    throw new InputError([`${resolveScenarioPath(file)}: gates: --check judges absolute gates (min, max), and the scenario has none`]);
  }
  const tooFew = absoluteGatesNeed(gates, replications);
  if (tooFew !== null) throw new UsageError("run", tooFew);
}

/** Judges the absolute gates on a finished run: the table on stderr, 1 when one failed. */
function reportAbsoluteGates(scenario: Scenario, file: string, results: ResultSet): number {
  const names = scenario.strategies.map((strategy) => strategy.name);
  const absolute = checkAbsoluteGates(scenario.gates!, names, results.runs);
  process.stderr.write(`${absoluteTable(absolute).join("\n")}\n`);
  const failed = failedAbsoluteGates({ absolute });
  for (const judgement of failed) process.stderr.write(`gate failed: ${absoluteFailureMessage(judgement)}\n`);
  if (process.env.GITHUB_ACTIONS === "true") {
    const scenarioFile = relative(process.cwd(), resolve(resolveScenarioPath(file)));
    process.stdout.write(githubAnnotations({ scenario: scenario.name, scenarioFile, judgements: [], absolute, ungated: [], notes: [] }));
  }
  return failed.length > 0 ? 1 : 0;
}

/** What a run's figures say was likely a mistake in the scenario: most checkpoints failing. */
export function resultWarnings(results: ResultSet): string[] {
  return results.summary.strategies.flatMap((strategy) => {
    const rate = strategy.metrics.checkpoint_success_rate?.mean;
    if (rate === undefined || rate >= 0.5) return [];
    return [
      `strategy ${strategy.name}: only ${Math.round(rate * 100)}% of checkpoints succeeded (checkpoint_success_rate); ` +
        "writes time out or the storage is too slow for them, so lost work is near that of no checkpoints",
    ];
  });
}

export interface RunSettings {
  readonly seed: number;
  readonly replications: number;
  readonly workers: number;
  readonly injections: readonly AdHocInjection[];
  readonly reproduce: (failure: ReplicationFailure) => string;
  /** Keep the first replication's event records for events.jsonl (`run --records`). */
  readonly records?: boolean;
}

/** Runs a scenario (on worker threads when asked) with a progress bar, and writes its result folder. */
async function runToFolder(scenario: Scenario, file: string, settings: RunSettings, out: string) {
  const results = await runScenarioResults(scenario, file, settings);
  return { results, summary: writeRunFolder(out, results) };
}

/** Runs every strategy and replication of a scenario, on worker threads when asked, with a progress bar. */
export async function runScenarioResults(scenario: Scenario, file: string, settings: RunSettings): Promise<ResultSet> {
  const scenarioPath = resolveScenarioPath(file);
  const keys = replicationKeys(scenario, settings.replications);
  const progress = new RunsProgress(scenario.name, keys.length);
  const outcomes: RunOutcome[] = new Array(keys.length);
  await executeRuns(
    [{ scenario, scenarioPath, seed: settings.seed, injections: settings.injections, records: settings.records }],
    keys.map((key) => ({ point: 0, ...key })),
    {
      workers: settings.workers,
      prepare: () => prepareOrThrow(scenario, file),
      onDone: (index, outcome) => {
        outcomes[index] = outcome;
        progress.done(index);
      },
      onProgress: (index, share) => progress.share(index, share),
      reproduce: (_, failure) => settings.reproduce(failure),
    },
  );
  progress.finish();
  const options = { seed: settings.seed, replications: settings.replications, faultlineVersion: faultlineVersion(), records: settings.records };
  return assembleResults(scenario, options, outcomes);
}

/**
 * Writes a result folder (summary.json, runs.csv, traces.json and the reports) and returns
 * summary.json's text. Reports are built from the saved files' own values, as `faultline
 * report` does, so a rebuilt report matches the original to the byte.
 */
export function writeRunFolder(out: string, results: ResultSet, extra: ReadonlyMap<string, string> = new Map()): string {
  const summary = summaryJson(results.summary);
  const runsText = runsCsv(results.runs);
  const tracesText = tracesJson(results);
  const saved = resultSetFromFiles(summary, tracesText, parseRunsCsv(runsText));
  const files = new Map([
    ["summary.json", summary],
    ["runs.csv", runsText],
    ["traces.json", tracesText],
    ["report.md", reportMarkdown(saved)],
    ["report.html", reportHtml(saved)],
    ...extra,
  ]);
  if (results.jobs !== undefined) files.set("jobs.csv", jobsCsv(results.jobs));
  if (results.events !== undefined) files.set("events.jsonl", eventsJsonl(results.events));
  writeResultFolder(out, files);
  return summary;
}

/** Keeps only the named strategies, in the scenario's order. */
function selectStrategies(scenario: Scenario, names: string[] | undefined): Scenario {
  if (names === undefined) return scenario;
  const known = scenario.strategies.map((strategy) => strategy.name);
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UsageError("run", `--strategy "${name}" is not in the scenario (it has: ${known.join(", ")})`);
    }
  }
  const keep = <S extends { readonly name: string }>(strategies: readonly S[]): S[] =>
    strategies.filter((strategy) => names.includes(strategy.name));
  return isServiceScenario(scenario)
    ? { ...scenario, strategies: keep(scenario.strategies) }
    : { ...scenario, strategies: keep(scenario.strategies) };
}

export async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("validate", args, {});
  if (values.help === true) return help("validate");
  if (positionals.length === 0) throw new UsageError("validate", "expects at least one scenario file");
  const problems: string[] = [];
  for (const file of positionals) {
    const result = await loadScenario(file);
    if (result.ok) {
      const scenario = result.value;
      for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(
        `${file}: ok (${scenario.strategies.length} strategies, ${scenario.replications} replications)\n`,
      );
    } else {
      problems.push(...result.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return 0;
}

/** Rebuilds report.md and report.html from a results folder's saved files alone. */
export function reportCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs("report", args, { force: { type: "boolean" } });
  if (values.help === true) return help("report");
  if (positionals.length !== 1) throw new UsageError("report", "expects one results folder");
  const folder = positionals[0];
  if (existsSync(folder) && !isOwnFolder(folder) && values.force !== true) {
    throw new InputError([
      `${folder}: is not a results folder faultline wrote (no ${OUTPUT_MARKER} in it); add --force to write report.md and report.html there`,
    ]);
  }
  claimOutputFolder(folder, { command: "report", force: true, replace: false, option: "report" });
  const summaryText = readInputFile(join(folder, "summary.json"));
  const tracesText = readInputFile(join(folder, "traces.json"));
  const runsText = readInputFile(join(folder, "runs.csv"));
  let results;
  try {
    results = resultSetFromFiles(summaryText, tracesText, parseRunsCsv(runsText));
  } catch (error) {
    throw new InputError([`${folder}: ${(error as Error).message}`]);
  }
  for (const [name, content] of [
    ["report.md", reportMarkdown(results)],
    ["report.html", reportHtml(results)],
  ] as const) {
    writeFileAtomically(join(folder, name), content);
  }
  process.stderr.write(`rebuilt: ${folder}/report.md, ${folder}/report.html\n`);
  return 0;
}

export function listCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs("list", args, { json: { type: "boolean" } });
  if (values.help === true) return help("list");
  if (positionals.length > 0) throw new UsageError("list", "takes no arguments");
  const scenarios = bundledScenarios();
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(scenarios.map(({ name, description }) => ({ name, description })), null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...scenarios.map((scenario) => scenario.name.length));
  for (const scenario of scenarios) process.stdout.write(`${scenario.name.padEnd(width)}  ${scenario.description}\n`);
  return 0;
}

export function schemaCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs("schema", args, {});
  if (values.help === true) return help("schema");
  if (positionals.length > 0) throw new UsageError("schema", "takes no arguments");
  process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  return 0;
}

/** The JSON Schema of what a scenario file may contain (the input side of the zod schema). */
export function scenarioJsonSchema(): object {
  return {
    ...z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any" }),
    title: "faultline scenario",
  };
}

export function help(command: string): number {
  process.stdout.write(`${HELP[command]}\n`);
  return 0;
}
