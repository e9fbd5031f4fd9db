import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { z } from "zod";
import { failedCount, githubAnnotations, regressJunit, regressMarkdown, regressTable, type RegressReport } from "../reports/regress.js";
import type { RunRecord } from "../reports/records.js";
import { absoluteGatesNeed, checkAbsoluteGates, hasRelativeGates, judge } from "../runner/gate.js";
import { resolveScenarioPath } from "../scenarios/library.js";
import { faultlineVersion, help, loadOrThrow, runScenarioResults } from "./commands.js";
import { claimOutputFile, fileSha256, readCheckedFile, writeFileAtomically, writeProblem } from "./result-files.js";
import { InputError, UsageError, integerOption, parseCommandArgs } from "./usage.js";

/**
 * A baseline: the per-replication metrics of every strategy, with what they came from, so
 * a later run can be paired with it replication by replication (same seeds).
 */
const baselineSchema = z.strictObject({
  format: z.literal(1),
  scenario: z.string(),
  scenarioHash: z.string().describe("sha256 of the scenario file's text"),
  seed: z.number().int().nonnegative(),
  replications: z.number().int().positive(),
  faultlineVersion: z.string(),
  nodeMajor: z.number().int().positive(),
  runs: z.array(
    z.strictObject({
      strategy: z.string(),
      replication: z.number().int().nonnegative(),
      seed: z.number().int().nonnegative(),
      metrics: z.record(z.string(), z.number().nullable()),
    }),
  ),
});

type Baseline = z.output<typeof baselineSchema>;

function nodeMajor(): number {
  return Number(process.versions.node.split(".")[0]);
}

function scenarioHash(file: string): string {
  return fileSha256(resolveScenarioPath(file));
}

export async function regressCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("regress", args, {
    baseline: { type: "string" },
    update: { type: "boolean" },
    junit: { type: "string" },
    markdown: { type: "string" },
    seed: { type: "string" },
    replications: { type: "string" },
    workers: { type: "string" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help === true) return help("regress");
  if (positionals.length !== 1) throw new UsageError("regress", "expects one scenario (a file or a bundled name)");
  if (values.update === true && values.baseline === undefined) throw new UsageError("regress", "--update needs --baseline FILE: where to write it");
  const file = positionals[0];
  const force = values.force === true;
  // Files it will write, checked before the run: a user's file of that name is not replaced.
  if (values.update === true && values.baseline !== undefined) {
    claimOutputFile(values.baseline, "--baseline", force, (text) => baselineSchema.safeParse(JSON.parse(text)).success);
  }
  if (values.junit !== undefined) claimOutputFile(values.junit, "--junit", force, (text) => text.includes('<testsuites name="faultline"'));
  if (values.markdown !== undefined) claimOutputFile(values.markdown, "--markdown", force, (text) => text.startsWith("### faultline regress"));
  const scenario = await loadOrThrow(file);
  const gates = scenario.gates;
  if (gates === undefined) {
    throw new InputError([`${resolveScenarioPath(file)}: gates: the scenario names no gated metrics; add a gates: section (faultline regress --help)`]);
  }
  const workers = integerOption("regress", "workers", values.workers, 1) ?? 1;
  const seedOption = integerOption("regress", "seed", values.seed, 0);
  const replicationsOption = integerOption("regress", "replications", values.replications, 2);
  // Relative gates need a baseline; absolute ones (min, max) are judged on this run alone.
  const needsBaseline = hasRelativeGates(gates);
  if (values.baseline === undefined && needsBaseline) {
    throw new UsageError("regress", "needs --baseline FILE: the scenario's gates with a tolerance are judged against one (with --update, where to write it)");
  }
  const baselineFile = values.baseline;
  const baseline = values.update === true || baselineFile === undefined ? null : readCheckedFile(baselineFile, baselineSchema, "record a baseline with --update");
  if (baseline !== null && baselineFile !== undefined) checkBaseline(baselineFile, baseline, scenario.name);
  const seed = seedOption ?? baseline?.seed ?? scenario.seed;
  const replications = replicationsOption ?? baseline?.replications ?? scenario.replications;
  if (needsBaseline && replications < 2) {
    throw new UsageError("regress", `a gate needs at least 2 replications to judge variation (the scenario has ${replications})`);
  }
  const tooFew = absoluteGatesNeed(gates, replications);
  if (tooFew !== null) throw new UsageError("regress", tooFew);
  process.stderr.write(`faultline ${faultlineVersion()}: regress ${scenario.name}, seed ${seed}, ${replications} replications\n`);
  const reproduce = () => `faultline run ${file} --seed ${seed} --replications ${replications}`;
  const results = await runScenarioResults(scenario, file, { seed, replications, workers, injections: [], reproduce });

  if (values.update === true && baselineFile !== undefined) {
    const recorded: Baseline = {
      format: 1,
      scenario: scenario.name,
      scenarioHash: scenarioHash(file),
      seed,
      replications,
      faultlineVersion: faultlineVersion(),
      nodeMajor: nodeMajor(),
      runs: results.runs.map((run) => ({ ...run, metrics: { ...run.metrics } })),
    };
    try {
      mkdirSync(dirname(baselineFile), { recursive: true });
    } catch (error) {
      throw writeProblem(dirname(baselineFile), error);
    }
    writeFileAtomically(baselineFile, `${JSON.stringify(recorded, null, 2)}\n`);
    process.stderr.write(`baseline written: ${baselineFile} (${results.runs.length} runs)\n`);
    return 0;
  }

  const names = scenario.strategies.map((strategy) => strategy.name);
  const report: RegressReport = {
    scenario: scenario.name,
    // As annotations want it: relative to the working directory (the repository's root in CI).
    scenarioFile: relative(process.cwd(), resolve(resolveScenarioPath(file))),
    ...(baseline === null
      ? { judgements: [], ungated: [] }
      : judge(gates, names, baseline.runs as unknown as RunRecord[], results.runs)),
    absolute: checkAbsoluteGates(gates, names, results.runs),
    notes: baseline === null ? [] : contextNotes(baseline, file, seed, names),
  };
  for (const note of report.notes) process.stderr.write(`note: ${note}\n`);
  // --json: the judgements as data, alone on stdout (no table, no annotations mixed in).
  if (values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(regressTable(report));
    if (process.env.GITHUB_ACTIONS === "true") process.stdout.write(githubAnnotations(report));
  }
  const markdown = regressMarkdown(report);
  if (values.markdown !== undefined) writeFileAtomically(values.markdown, markdown);
  const stepSummary = process.env.GITHUB_STEP_SUMMARY;
  if (stepSummary !== undefined && stepSummary !== "" && existsSync(dirname(stepSummary))) appendFileSync(stepSummary, markdown);
  if (values.junit !== undefined) writeFileAtomically(values.junit, regressJunit(report));
  return failedCount(report) > 0 ? 1 : 0;
}

/**
 * A baseline a gate can judge against: recorded for this scenario, holding every run it
 * claims (each strategy's replications 0 … R−1, once each), and with statistics that are
 * finite (values so large that their sum overflows would pass any gate).
 */
function checkBaseline(path: string, baseline: Baseline, scenarioName: string): void {
  const problems: string[] = [];
  if (baseline.scenario !== scenarioName) {
    problems.push(`${path}: recorded for scenario "${baseline.scenario}", not "${scenarioName}"; record this scenario's with --update`);
  }
  const byStrategy = new Map<string, Baseline["runs"]>();
  for (const run of baseline.runs) byStrategy.set(run.strategy, [...(byStrategy.get(run.strategy) ?? []), run]);
  for (const [strategy, runs] of byStrategy) {
    const replications = new Set(runs.map((run) => run.replication));
    const complete = runs.length === baseline.replications && [...replications].every((r) => r < baseline.replications) && replications.size === runs.length;
    if (!complete) {
      problems.push(`${path}: strategy "${strategy}" has ${runs.length} runs, but the baseline claims replications 0–${baseline.replications - 1} once each`);
    }
    const metrics = new Set(runs.flatMap((run) => Object.keys(run.metrics)));
    for (const metric of metrics) {
      let sum = 0;
      let squares = 0;
      for (const run of runs) {
        const value = run.metrics[metric];
        if (value === null || value === undefined) continue;
        sum += value;
        squares += value * value;
      }
      if (!Number.isFinite(sum) || !Number.isFinite(squares)) {
        problems.push(`${path}: strategy "${strategy}", ${metric}: values too large for finite statistics`);
      }
    }
  }
  if (byStrategy.size === 0) problems.push(`${path}: holds no runs; record one with --update`);
  if (problems.length > 0) throw new InputError(problems);
}

/** What differs between the baseline's run and this one, said rather than hidden. */
function contextNotes(baseline: Baseline, file: string, seed: number, names: readonly string[]): string[] {
  const notes: string[] = [];
  if (baseline.scenarioHash !== scenarioHash(file)) {
    notes.push("the scenario file changed since the baseline was recorded (expected when the change is the policy under test)");
  }
  if (baseline.faultlineVersion !== faultlineVersion()) {
    notes.push(`the baseline was recorded by faultline ${baseline.faultlineVersion}; this is ${faultlineVersion()}`);
  }
  if (baseline.nodeMajor !== nodeMajor()) {
    notes.push(`the baseline was recorded on Node ${baseline.nodeMajor}; this is Node ${nodeMajor()}`);
  }
  if (baseline.seed !== seed) {
    notes.push(`seed ${seed} is not the baseline's ${baseline.seed}: runs are compared unpaired (Welch's t)`);
  }
  const recorded = new Set(baseline.runs.map((run) => run.strategy));
  for (const name of names) {
    if (!recorded.has(name)) notes.push(`strategy "${name}" has no baseline runs; record them with --update`);
  }
  for (const name of recorded) {
    if (!names.includes(name)) notes.push(`strategy "${name}" of the baseline is no longer in the scenario`);
  }
  return notes;
}
