import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explainError } from "../../cli/errors.js";
import { ReplicationFailure } from "../../runner/run.js";
import { AssertionFailure } from "../../sim/assert.js";
import { GOOD, cliWorkspace, expectBadInput } from "./workspace.js";

/**
 * The built CLI, run as users run it. Every bad-input path must exit 2 with one line per
 * problem naming the file and field, and no stack trace.
 */
const { work, faultline, scenarioFile } = cliWorkspace("faultline-cli-");

describe("faultline run", () => {
  it("writes the result files and the job log, and prints a comparison table", () => {
    const file = scenarioFile("good.yaml", GOOD);
    const result = faultline("run", file, "--out", "out-good");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("lost_work_gpu_h");
    expect(result.stdout).not.toContain("\x1b[");
    expect(readdirSync(join(work, "out-good")).sort()).toEqual([
      ".faultline",
      "jobs.csv",
      "report.html",
      "report.md",
      "runs.csv",
      "summary.json",
      "traces.json",
    ]);
    const summary = JSON.parse(readFileSync(join(work, "out-good", "summary.json"), "utf8"));
    expect(summary.scenario).toBe("tiny");
    expect(summary.strategies.map((s: { name: string }) => s.name)).toEqual(["none", "fixed-30m"]);
    // Not modelled yet: null, never a made-up zero.
    expect(summary.strategies[0].metrics.fabric_p99_latency_us).toBeNull();
    // The job log: a row per job of each strategy's first replication.
    const jobs = readFileSync(join(work, "out-good", "jobs.csv"), "utf8").trim().split("\n");
    expect(jobs[0]).toBe(
      "strategy,job,user,nodes,gpus,submit_h,start_h,end_h,attempts,outcome,lost_work_node_h,lost_work_gpu_h,checkpoint_overhead_node_h,checkpoint_overhead_gpu_h",
    );
    const runs = readFileSync(join(work, "out-good", "runs.csv"), "utf8").trim().split("\n");
    const column = runs[0].split(",").indexOf("jobs_submitted");
    const submitted = runs.slice(1).filter((row) => row.split(",")[1] === "0").map((row) => Number(row.split(",")[column]));
    expect(jobs.length - 1).toBe(submitted.reduce((sum, count) => sum + count, 0));
  });

  it("writes events.jsonl with --records: the first replication's event records, the strategy first", () => {
    const file = scenarioFile("records.yaml", GOOD);
    expect(faultline("run", file, "--out", "out-records", "--records").code).toBe(0);
    const lines = readFileSync(join(work, "out-records", "events.jsonl"), "utf8").trim().split("\n");
    const events = lines.map((line) => JSON.parse(line) as { strategy: string; timeUs: number; kind: string });
    expect(Object.keys(events[0]).slice(0, 3)).toEqual(["strategy", "timeUs", "kind"]);
    expect(new Set(events.map((event) => event.strategy))).toEqual(new Set(["none", "fixed-30m"]));
    expect(events.some((event) => event.kind === "JobStarted")).toBe(true);
  });

  it("gives byte-identical result files for the same scenario and seed", () => {
    const file = scenarioFile("same.yaml", GOOD);
    expect(faultline("run", file, "--out", "a", "--seed", "11").code).toBe(0);
    expect(faultline("run", file, "--out", "b", "--seed", "11").code).toBe(0);
    for (const name of ["summary.json", "runs.csv", "traces.json", "jobs.csv", "report.md", "report.html"]) {
      expect(readFileSync(join(work, "b", name)), name).toEqual(readFileSync(join(work, "a", name)));
    }
    expect(faultline("run", file, "--out", "c", "--seed", "12").code).toBe(0);
    expect(readFileSync(join(work, "c", "runs.csv"))).not.toEqual(readFileSync(join(work, "a", "runs.csv")));
  });

  it("gives the same bytes on 2 worker threads as on 1, trace replays included", () => {
    const file = scenarioFile("workers.yaml", GOOD);
    for (const [scenario, extra] of [
      [file, ["--replications", "5"]],
      ["trace-replay-kth", ["--replications", "1"]],
    ] as const) {
      expect(faultline("run", scenario, ...extra, "--out", "w1", "--workers", "1").code).toBe(0);
      expect(faultline("run", scenario, ...extra, "--out", "w2", "--workers", "2").code).toBe(0);
      for (const name of ["summary.json", "runs.csv", "traces.json", "jobs.csv", "report.md", "report.html"]) {
        expect(readFileSync(join(work, "w2", name)), `${scenario} ${name}`).toEqual(readFileSync(join(work, "w1", name)));
      }
    }
    expectBadInput(faultline("run", file, "--workers", "0"), '--workers expects an integer from 1 to 256, got "0"');
    // Four runs of the CLI, the KTH replay among them: a loaded machine takes over a minute.
  }, 240_000);

  it("prints summary.json with --json and runs a bundled scenario by name", () => {
    const result = faultline("run", "quickstart", "--replications", "1", "--json", "--out", "qs");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).scenario).toBe("quickstart");
    expect(result.stdout).toBe(readFileSync(join(work, "qs", "summary.json"), "utf8"));
  });

  it("runs only the strategies named with --strategy", () => {
    const file = scenarioFile("pick.yaml", GOOD);
    const result = faultline("run", file, "--strategy", "fixed-30m", "--json", "--out", "pick");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).strategies.map((s: { name: string }) => s.name)).toEqual(["fixed-30m"]);
  });
});

describe("faultline run --inject", () => {
  it("injects a fault by hand into every replication, and it shows in the report", () => {
    const file = scenarioFile("inject.yaml", GOOD);
    const plain = faultline("run", file, "--json", "--out", "inject-none");
    const injected = faultline("run", file, "--json", "--out", "inject-rack", "--inject", "rack-power@1d:r00+12h");
    expect(plain.code).toBe(0);
    expect(injected.code).toBe(0);
    const completed = (output: string) => JSON.parse(output).strategies[0].metrics.jobs_completed.mean as number;
    // With a whole rack (the only one) down for 12 of 120 h, fewer jobs finish.
    expect(completed(injected.stdout)).toBeLessThan(completed(plain.stdout));
    expect(readFileSync(join(work, "inject-rack", "report.md"), "utf8")).toContain("rack-power");
  });

  it("rejects a fault it cannot place", () => {
    const file = scenarioFile("inject-bad.yaml", GOOD);
    expectBadInput(faultline("run", file, "--inject", "meteor@1h"), '--inject "meteor@1h": unknown kind "meteor"');
    expectBadInput(faultline("run", file, "--inject", "node-crash@1h:r09n00"), '"r09n00" is not a node (r00n00 … r00n03)');
    expectBadInput(faultline("run", file, "--inject", "node-crash@9d:r00n01"), "is past the horizon");
  });
});

describe("bad input exits 2 with the file and field path", () => {
  it("an unknown key, with a did-you-mean hint", () => {
    const file = scenarioFile("typo.yaml", GOOD.replace("nodesPerRack", "nodesPerRak"));
    expectBadInput(faultline("run", file), `${file}:6:22 cluster.nodesPerRak: unknown key; did you mean "nodesPerRack"?`);
  });

  it("a duration without a unit it knows", () => {
    const file = scenarioFile("duration.yaml", GOOD.replace("mtbf: 10d", 'mtbf: "10 days"'));
    expectBadInput(faultline("validate", file), `${file}:10:31 failures[0].mtbf: expected a duration such as "5y", got "10 days"`);
  });

  it("several problems at once, one line each", () => {
    const file = scenarioFile(
      "many.yaml",
      GOOD.replace("racks: 1", "racks: 0").replace("policy: none", "policy: never").replace("horizon: 5d", "horizon: -1"),
    );
    const result = faultline("validate", file);
    expectBadInput(result, "horizon:", "cluster.racks:", "strategies[0].checkpoint.policy:");
    expect(result.stderr.trim().split("\n")).toHaveLength(3);
  });

  it("a YAML syntax error", () => {
    const file = scenarioFile("syntax.yaml", "name: [unclosed\n");
    expectBadInput(faultline("run", file), `${file}:`);
  });

  it("a missing file", () => {
    expectBadInput(faultline("run", "no-such-file.yaml"), "no-such-file.yaml: cannot read file (ENOENT)");
  });

  it("a duplicate strategy name", () => {
    const file = scenarioFile("dup.yaml", GOOD.replace("name: fixed-30m", "name: none"));
    expectBadInput(faultline("validate", file), 'strategies[1].name: strategy name "none" is used twice');
  });

  it("usage errors: unknown command, unknown option, bad numbers, missing scenario, unknown strategy", () => {
    const file = scenarioFile("usage.yaml", GOOD);
    expectBadInput(faultline("frobnicate"), 'faultline: unknown command "frobnicate"');
    expectBadInput(faultline("run", file, "--sed", "1"), "faultline run: Unknown option '--sed'", "faultline run --help");
    expectBadInput(faultline("run", file, "--seed", "x"), 'faultline run: --seed expects an integer from 0 to 1e15, got "x"');
    expectBadInput(faultline("run", file, "--replications", "0"), "--replications expects an integer from 1 to 10,000");
    expectBadInput(faultline("run"), "faultline run: expects one scenario");
    expectBadInput(faultline("run", file, "--strategy", "nope"), '--strategy "nope" is not in the scenario');
    expectBadInput(faultline("validate"), "faultline validate: expects at least one scenario file");
  });

  it("validate reports good files on stdout and exits 2 when any file is bad", () => {
    const good = scenarioFile("v-good.yaml", GOOD);
    const bad = scenarioFile("v-bad.yaml", GOOD.replace("arrivalsPerHour: 1", "arrivalsPerHour: fast"));
    const result = faultline("validate", good, bad);
    expect(result.stdout).toContain(`${good}: ok (2 strategies, 2 replications)`);
    expectBadInput(result, `${bad}:8:33 workload.generator.arrivalsPerHour: expected number, got string "fast"`);
  });
});

describe("faultline report", () => {
  it("rebuilds report.md and report.html from the saved files alone, to the byte", () => {
    const file = scenarioFile("rebuild.yaml", GOOD);
    expect(faultline("run", file, "--out", "rebuild").code).toBe(0);
    const folder = join(work, "rebuild");
    const markdown = readFileSync(join(folder, "report.md"));
    const html = readFileSync(join(folder, "report.html"));
    rmSync(join(folder, "report.md"));
    writeFileSync(join(folder, "report.html"), "stale");
    expect(faultline("report", "rebuild").code).toBe(0);
    expect(readFileSync(join(folder, "report.md"))).toEqual(markdown);
    expect(readFileSync(join(folder, "report.html"))).toEqual(html);
  });

  it("names the file it cannot read", () => {
    expectBadInput(faultline("report", "no-such-folder"), "no-such-folder/summary.json: cannot read file (ENOENT)");
  });
});

describe("other commands", () => {
  it("--help on every command, with an example", () => {
    // Every command the main help lists, so a new one cannot be missed.
    const main = faultline("--help").stdout;
    const listed = main.split("Commands:\n")[1].split("\n\n")[0].split("\n");
    const commands = listed.map((line) => line.trim().split(" ")[0]);
    expect(commands).toEqual(expect.arrayContaining(["run", "sweep", "merge", "slurm", "validate", "report", "list", "schema"]));
    for (const command of commands) {
      const result = faultline(command, "--help");
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain(`Usage: faultline ${command}`);
      expect(result.stdout, command).toMatch(/\nExamples?:\n/);
    }
    expect(faultline("--version").stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("list names every bundled scenario with its question", () => {
    const result = faultline("list");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^quickstart\s+Does hourly checkpointing/m);
    const listed = JSON.parse(faultline("list", "--json").stdout) as { name: string; description: string }[];
    expect(listed.find((scenario) => scenario.name === "quickstart")?.description).toMatch(/^Does hourly checkpointing/);
  });

  it("schema prints a JSON Schema that knows the scenario's keys", () => {
    const result = faultline("schema");
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toContain("json-schema.org");
    // A cluster scenario or a service scenario.
    const [cluster, service] = schema.anyOf;
    expect(Object.keys(cluster.properties)).toEqual(
      expect.arrayContaining(["name", "horizon", "cluster", "workload", "failures", "strategies"]),
    );
    expect(cluster.additionalProperties).toBe(false);
    expect(Object.keys(service.properties)).toEqual(expect.arrayContaining(["service", "failures", "strategies"]));
  });
});

describe("internal errors exit 3 with the seed and a reproduce command", () => {
  it("explains an assertion failure inside a replication", () => {
    const failure = new ReplicationFailure("fixed-30m", 4, 46, new AssertionFailure("node allocated twice"));
    failure.reproduceCommand = "faultline run x.yaml --seed 46 --replications 1 --strategy fixed-30m";
    const { lines, exitCode } = explainError(failure);
    expect(exitCode).toBe(3);
    expect(lines[0]).toBe(
      "faultline: assertion failed (a bug in faultline): fixed-30m, replication 4 (seed 46): node allocated twice",
    );
    expect(lines).toContain("seed: 46");
    expect(lines).toContain("reproduce: faultline run x.yaml --seed 46 --replications 1 --strategy fixed-30m");
  });
});
