import { parseArgs, type ParseArgsConfig } from "node:util";
import { REPLICATIONS_MAX, SEED_MAX, formatBound } from "../scenarios/limits.js";

/** Bad command-line input: exit 2 with this message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly command: string;

  constructor(command: string, message: string) {
    super(message);
    this.command = command;
  }
}

/** Invalid input files: exit 2, one line per problem, already formatted. */
export class InputError extends Error {
  override readonly name = "InputError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv strictly; unknown options and missing values become UsageErrors. */
export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(command, (error as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
}

/** The largest value of an integer option, with the scenario's bounds where it sets one of them. */
const INTEGER_OPTION_MAX: Readonly<Record<string, number>> = {
  seed: SEED_MAX,
  replications: REPLICATIONS_MAX,
  workers: 256,
  array: 100_000,
  speed: 100_000,
};

/** An integer option within bounds, or a UsageError naming the option. */
export function integerOption(command: string, name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  const max = INTEGER_OPTION_MAX[name] ?? Number.MAX_SAFE_INTEGER;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${formatBound(max)}`;
    throw new UsageError(command, `--${name} expects an integer ${range}, got "${value}"`);
  }
  return parsed;
}

export const HELP: Readonly<Record<string, string>> = {
  main: `faultline — a deterministic simulator of HPC/GPU clusters and a chaos lab

Usage: faultline <command> [options]

Commands:
  run <scenario>         run every strategy of a scenario and write result files
  sweep <scenario>       run a scenario over a grid of values (--set path=v1,v2,…)
  merge <dir>…           merge a sweep's shard folders into one result set
  slurm <scenario>       write (and --submit) a Slurm job array running a sweep's shards
  regress <scenario>     CI gate: judge the scenario's gates (against a baseline)
  compare <dir> <dir>    compare two result folders metric by metric, with verdicts
  gameday <scenario>     rehearse an incident in a terminal UI: inject, act, get scored
  validate <scenario>…   check scenario files and print every problem with its field path
  report <dir>           rebuild report.md and report.html from a results folder
  list                   bundled scenarios with one-line descriptions
  schema                 print the JSON Schema of the scenario format

Options:
  -h, --help             help for faultline or a command (faultline run --help)
  -v, --version          print the version

A scenario is a YAML or JSON file, or the name of a bundled one (faultline list).

Example:
  faultline run quickstart

Exit codes: 0 success, 1 a gate failed, 2 bad input, 3 internal error (a bug).`,
  run: `Usage: faultline run <scenario> [options]

Runs every strategy of the scenario for R replications on common random numbers (the
same arrivals and failures for every strategy), prints a comparison table on stdout, and
writes summary.json, runs.csv, traces.json (every replication's time series and
failures), report.md and report.html to the output folder; a cluster scenario also
writes jobs.csv, one row per job of each strategy's first replication (submit, start,
end, attempts, outcome, lost work, checkpoint overhead).

Options:
  --seed N            master seed (default: the scenario's seed); replication r uses N + r
  --replications R    replications per strategy (default: the scenario's)
  --strategy NAME     run only this strategy (repeatable)
  --workers W         run replications on W worker threads (default 1); results are
                      the same bytes for any W
  --out DIR           output folder (default: results/<scenario name>)
  --force             replace the output folder even when faultline did not write it
                      (a folder faultline wrote, marked by its .faultline file, is
                      replaced without it; a file or the working folder never is)
  --json              print summary.json on stdout instead of the table
  --check             judge the scenario's absolute gates (min, max) on this run: a line
                      per failed gate on stderr and exit 1 when one fails
  --records           also write events.jsonl: every event record (job starts and ends,
                      crashes, checkpoints, …) of each strategy's first replication, one
                      JSON object a line, the strategy first
  --inject FAULT      inject a fault by hand, repeatable: kind@time[:target][+duration]
                      kinds: node-crash, rack-power, throttle, driver-mismatch, drain
                      e.g. --inject node-crash@2h:r03n17  --inject rack-power@1d:r02+8h
  -h, --help          this help

Example:
  faultline run scenarios/quickstart.yaml --replications 20 --workers 2 --out results/qs`,
  sweep: `Usage: faultline sweep <scenario> [--set path=v1,v2,…]… [options]

Runs the scenario once per point of the grid the --set options span (every combination),
each point a full run with its own result folder named by its values
(point-0-mtbf=10d_arrivalsPerHour=0.8/, …; just point-<i>/ when the values would make an
unsafe or long name), holding point.json (its index and values) beside the usual files.
sweep.csv has one row per point and strategy with each metric's mean, 95% CI (_ci_low,
_ci_high) and n (replications that exercised it); metrics no point exercises are left
out. sweep.html draws each metric against each parameter, a line per strategy with its
CI band and its best value ringed, heatmaps for two parameters, and Young's and Daly's
optimum beside a swept fixed checkpoint interval. A path names a field
of the scenario file, with list items by index (failures.0.mtbf); values are YAML scalars
(2, 10d, true). Every point is checked against the schema before any runs. Without --set
the sweep has one point: the scenario as it is.

Each finished run (a replication of a strategy at a point) is saved at once in
<out>/parts/, so a killed sweep can be resumed and a sweep can be split into shards, on
one machine or many, then merged. The results are the same bytes in every case.

Options:
  --set PATH=V1,V2,…  a field and the values it takes (repeatable: the grid is their product)
  --seed N            master seed (default: each point's scenario seed)
  --replications R    replications per strategy and point (default: the scenario's)
  --workers W         run on W worker threads (default 1); same bytes for any W
  --shard I/N         run only shard I of N (every N-th run from the I-th); N > 1 leaves
                      the merge to faultline merge
  --resume            skip the runs already saved in <out>/parts/ (after a kill, or a
                      failed array task); without it a whole sweep starts from nothing
  --out DIR           output folder (default: results/<scenario name>-sweep)
  --force             replace the output folder even when faultline did not write it
                      (a folder faultline wrote, marked by its .faultline file, is
                      replaced without it; a file or the working folder never is)
  --json              print each point's folder, --set values and summary.json as one
                      JSON array instead of sweep.csv
  -h, --help          this help

Examples:
  faultline sweep quickstart --set failures.0.mtbf=10d,30d,90d --set workload.generator.arrivalsPerHour=0.8,1.2
  faultline sweep quickstart --set failures.0.mtbf=10d,30d --shard 1/2 --out sw   (and 2/2, then)
  faultline merge sw`,
  merge: `Usage: faultline merge <dir>… [--out DIR]

Assembles a sharded sweep: reads the saved runs of every shard from the folders given
(shards may share one folder or have one each) and writes a result folder per point and
sweep.csv, the same bytes an unsharded sweep writes. Every run must be there; the folders
must hold the same sweep (sweep.json) and come from this faultline version.

Options:
  --out DIR           where to write the results (default: the first folder)
  --force             replace the output folder even when faultline did not write it
                      (a folder faultline wrote, marked by its .faultline file, is
                      replaced without it; a file or the working folder never is)
  --json              print each point's folder, --set values and summary.json as one
                      JSON array instead of sweep.csv
  -h, --help          this help

Example:
  faultline merge results/quickstart-sweep`,
  slurm: `Usage: faultline slurm <scenario> [sweep options] --array N [--submit]

Writes two batch scripts into <out>/slurm/: a job array of N tasks, task I running
faultline sweep … --shard I/N --resume (so a requeued task redoes only what it had not
saved), and a merge job. With --submit, submits both with sbatch, the merge with
--dependency=afterok on the array, and prints the job ids. Slurm does the scheduling;
faultline only splits the work. The output folder must be on a filesystem every node sees.

Options:
  --array N           number of array tasks (shards)
  --submit            submit with sbatch (else print the command that would)
  --partition NAME    #SBATCH --partition
  --time LIMIT        #SBATCH --time (Slurm's format, e.g. 2:00:00)
  --set, --seed, --replications, --out
                      the sweep, as for faultline sweep
  --workers W         threads per task (also #SBATCH --cpus-per-task)
  --resume            keep the runs already saved in <out>/parts/ (default: start clean)
  --force             replace the output folder even when faultline did not write it
                      (a folder faultline wrote, marked by its .faultline file, is
                      replaced without it; a file or the working folder never is)
  -h, --help          this help

Example:
  faultline slurm quickstart --set failures.0.mtbf=10d,30d,90d --array 3 --out /shared/qs-sweep --submit`,
  regress: `Usage: faultline regress <scenario> [--baseline FILE] [options]

Runs the scenario and judges each metric its gates: section names. A gate with a
tolerance is relative: judged against a baseline recorded earlier (--update), which it
then needs. A gate with a min and/or max is absolute: the mean of this run (with its own
confidence, the one-sided Student-t bound on the mean) must stay within it; it needs no
baseline. With the baseline's seed and replications, strategies run on
the same random numbers as then, so the change is judged replication by replication
(paired t); with another seed the two samples are compared by Welch's t. A gate fails
when the change is worse than its tolerance at the gate's one-sided confidence: a real
regression, not noise. Same code and seed give the same numbers, so a rerun never flaps.
Ungated metrics that moved are listed, not judged.

Prints an aligned table; exits 1 when a gate failed, 0 otherwise, 2 on bad input.
Under GitHub Actions (GITHUB_ACTIONS=true) it also prints ::error annotations, and
appends the Markdown summary to the job summary (GITHUB_STEP_SUMMARY).

  gates:
    confidence: 0.95                     # one-sided (default 0.95)
    metrics:
      - { metric: queue_wait_p90_h, tolerance: 10% }             # relative to the baseline
      - { metric: goodput, better: higher, tolerance: 0.01 }     # absolute, in the metric's unit
      - { metric: lost_work_gpu_h, tolerance: 5%, strategies: [daly] }
      - { metric: queue_wait_p90_h, max: 2 }                     # absolute: the mean ≤ 2
      - { metric: goodput, min: 0.9, confidence: 0.95 }          # its 95% lower bound ≥ 0.9

Options:
  --baseline FILE     the baseline to judge relative gates against (with --update, to
                      write); without it only absolute gates are judged
  --update            run and record the baseline (atomically) instead of judging: scenario
                      hash, seed, replications, faultline version, Node major, every run
  --junit FILE        write JUnit XML, a test case per gate
  --markdown FILE     write the Markdown summary (for a pull-request comment)
  --seed N            master seed (default: the baseline's)
  --replications R    replications (default: the baseline's; at least 2)
  --workers W         run on W worker threads (default 1)
  --force             replace a --baseline, --junit or --markdown file faultline did
                      not write (its own are replaced without it)
  --json              print the judgements (relative and absolute gates, ungated
                      changes, notes) as JSON instead of the table
  -h, --help          this help

Example:
  faultline regress quickstart --baseline scenarios/baselines/quickstart.json --junit gate.xml`,
  gameday: `Usage: faultline gameday <scenario> [options]
       faultline gameday --replay FILE [--out DIR]

Opens a terminal view over a live run of one strategy of a scenario. A cluster's: the
cluster map (busy, idle, spot, down, draining, hot, quarantined, bad driver), jobs, the
control plane, the SLO error budget, sparklines of load and queue, and an event log. A
service's: each replica's health and queue, goodput, errors, p99 latency and the
circuit breaker (inject a hung, slow or leaking replica or a traffic spike; restart
one, scale out, turn the breaker on). Alerts fire from what the run measures, as pages
(the SLO burning over 2×, a rack or a service down) and tickets (a node, a GPU, a
replica), once per problem, none for what you took out of service. Inject faults and act
as an operator would; every command applies at the simulated time it is given. A
scenario's gameday: section hides a script of incidents and sets objectives: the day is
scored on time to detect and to mitigate, error budget spent and work lost, and ends
with a debrief written as a postmortem, each incident's time to fire included. On quit,
session.json, final.json and debrief.md are saved; --replay plays the saved commands
again and gives the same final.json, to the byte.

Keys: space pause · + - speed ×1 … ×100,000 · n step to the next event · i inject ·
a act (drain, quarantine, return, repair, roll back the driver, checkpoint every
running job now, switch the scheduler, fail over / repair / heal / renew the
certificate of a control-plane service, acknowledge what an alert names) · ? help ·
q quit and save.

Options:
  --speed S           simulated seconds per second: 1, 10, 100, 1000, 10000, 100000
                      (default: a cluster's fastest at which its detection objective
                      lasts 10 s, ×100 on the night shift; 1 for a service)
  --paused            start paused (step with n)
  --seed N            master seed (default: the scenario's)
  --strategy NAME     the strategy to play (default: the gameday section's, else the first)
  --out DIR           where to save the day (default: results/<scenario name>-gameday)
  --replay FILE       replay a saved session.json without a terminal; writes to
                      <its folder>/replay/ (or --out) and prints final.json
  --force             replace the output folder even when faultline did not write it
                      (a folder faultline wrote, marked by its .faultline file, is
                      replaced without it; a file or the working folder never is)
  -h, --help          this help

Example:
  faultline gameday gameday-night-shift`,
  compare: `Usage: faultline compare <dir-a> <dir-b> [--json]

Compares two result folders (written by faultline run) metric by metric: each strategy of
B against the strategy of A of the same name, or, when none has the same name, against
A's first. When both ran the same scenario on the same seeds, replication r of each
shares its random numbers and the difference is paired (paired t); otherwise the two
samples are compared by Welch's t. Prints a table (mean of A, mean of B, difference and
its 95% CI) and the verdict sentences; a difference is significant when its 95% CI
excludes 0. Exits 0 whatever it finds, 2 on a folder it cannot read.

Options:
  --json              print the comparison as JSON instead
  -h, --help          this help

Example:
  faultline compare results/before results/after`,
  validate: `Usage: faultline validate <scenario>…

Checks each scenario file against the schema. Prints "file: ok" per valid file; for an
invalid one, every problem as "file:line:col path: message" on stderr, and exits 2.

Example:
  faultline validate scenarios/*.yaml`,
  report: `Usage: faultline report <results-dir> [--force]

Rebuilds report.md and report.html from the files a run saved (summary.json, runs.csv,
traces.json) alone, without running anything: after a faultline upgrade, or on results
copied from another machine. The folder must be one faultline wrote (it holds a
.faultline file); --force writes the two reports into any folder.

Example:
  faultline report results/quickstart`,
  list: `Usage: faultline list [--json]

Lists the bundled scenarios with the question each answers. Run one by name:
faultline run <name>. With --json, a JSON array of { name, description }.

Example:
  faultline list`,
  schema: `Usage: faultline schema

Prints the JSON Schema of the scenario format on stdout, for editor completion and
checking (for example with the YAML language server: put
"# yaml-language-server: $schema=faultline.schema.json" at the top of a scenario file).

Example:
  faultline schema > faultline.schema.json`,
};
