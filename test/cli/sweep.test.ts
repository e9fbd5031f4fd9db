import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, GOOD, cliWorkspace, expectBadInput } from "./workspace.js";

const { work, faultline, scenarioFile } = cliWorkspace("faultline-sweep-");

/** Every file under a folder, by relative path, with its bytes; `skip` leaves out sub-folders by name. */
function filesUnder(folder: string, skip: readonly string[] = []): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(entry.name)) walk(path);
      } else {
        files.set(relative(folder, path), readFileSync(path));
      }
    }
  };
  walk(folder);
  return files;
}

/** The result files of a sweep: sweep.csv and every point folder (not its parts or scripts). */
function sweepResults(folder: string): Map<string, Buffer> {
  const files = filesUnder(folder, ["parts", "slurm"]);
  files.delete("sweep.json");
  expect(files.has("sweep.csv")).toBe(true);
  return files;
}

const GRID = ["--set", "failures.0.mtbf=5d,20d", "--set", "workload.generator.arrivalsPerHour=0.5,1,2"];

describe("faultline sweep", () => {
  it("sweeps a grid: a folder per point, sweep.csv per point and strategy, same bytes on 2 workers", () => {
    const file = scenarioFile("sweep.yaml", GOOD);
    const one = faultline("sweep", file, ...GRID, "--out", "sw1");
    expect(one.code).toBe(0);
    expect(faultline("sweep", file, ...GRID, "--out", "sw2", "--workers", "2").code).toBe(0);
    const csv = readFileSync(join(work, "sw1", "sweep.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toMatch(/^point,failures\.0\.mtbf,workload\.generator\.arrivalsPerHour,strategy,jobs_submitted,/);
    expect(csv).toHaveLength(1 + 6 * 2);
    expect(csv[1]).toMatch(/^point-0,5d,0\.5,none,/);
    expect(csv[12]).toMatch(/^point-5,20d,2,fixed-30m,/);
    expect(one.stdout).toBe(readFileSync(join(work, "sw1", "sweep.csv"), "utf8"));
    // The values took: more arrivals, more jobs; and each point is an ordinary result folder.
    const submitted = (row: string) => Number(row.split(",")[4]);
    expect(submitted(csv[5])).toBeGreaterThan(submitted(csv[1]));
    expect(readdirSync(join(work, "sw1", "point-3")).sort()).toEqual(
      [".faultline", "report.html", "report.md", "runs.csv", "summary.json", "traces.json"],
    );
    // 6 points × 2 strategies × 2 replications, one part each.
    expect(readdirSync(join(work, "sw1", "parts"))).toHaveLength(24);
    expect(sweepResults(join(work, "sw2"))).toEqual(sweepResults(join(work, "sw1")));
    expectBadInput(faultline("sweep", file, "--set", "failures.0.mtbf=5d,soon"), "[mtbf=soon]", "failures[0].mtbf: expected a duration");
    expectBadInput(faultline("sweep", file, "--set", "nope"), '--set expects path=value[,value…], got "nope"');
  });

  it("without --set runs the scenario as one point, the same numbers as faultline run", () => {
    const file = scenarioFile("plain.yaml", GOOD);
    const sweep = faultline("sweep", file, "--out", "plain-sweep", "--json");
    expect(sweep.code).toBe(0);
    expect(faultline("run", file, "--out", "plain-run").code).toBe(0);
    expect(readFileSync(join(work, "plain-sweep", "point-0", "runs.csv"))).toEqual(readFileSync(join(work, "plain-run", "runs.csv")));
    // --json prints each point with its summary.json, as the point's folder holds it.
    const points = JSON.parse(sweep.stdout) as { folder: string; values: string[]; summary: unknown }[];
    expect(points.map((point) => point.folder)).toEqual(["point-0"]);
    expect(points[0].summary).toEqual(JSON.parse(readFileSync(join(work, "plain-sweep", "point-0", "summary.json"), "utf8")));
  });

  it("merges shards, in one folder or in several, into the same bytes as the unsharded sweep", () => {
    const file = scenarioFile("shards.yaml", GOOD);
    expect(faultline("sweep", file, ...GRID, "--out", "whole").code).toBe(0);
    const whole = sweepResults(join(work, "whole"));

    // Three shards into one folder; the first two alone are not enough to merge.
    const shard = (i: number, n: number, out: string) => faultline("sweep", file, ...GRID, "--shard", `${i}/${n}`, "--out", out);
    for (const i of [1, 2]) {
      const result = shard(i, 3, "shared");
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`shard ${i}/3: 8 runs in [\\d.]+ s on 1 worker`));
      expect(existsSync(join(work, "shared", "sweep.csv"))).toBe(false);
    }
    expectBadInput(faultline("merge", "shared"), "8 of 24 runs have no part (p0-s1-r0, p1-s0-r1,");
    expect(shard(3, 3, "shared").code).toBe(0);
    expect(faultline("merge", "shared").code).toBe(0);
    expect(sweepResults(join(work, "shared"))).toEqual(whole);

    // Two shards in folders of their own (as if run on two machines), merged elsewhere.
    expect(shard(1, 2, "own-1").code).toBe(0);
    expect(shard(2, 2, "own-2").code).toBe(0);
    expect(faultline("merge", "own-1", "own-2", "--out", "merged").code).toBe(0);
    expect(sweepResults(join(work, "merged"))).toEqual(whole);

    // A folder of another sweep is refused, for merging and for joining as a shard.
    expect(faultline("sweep", file, "--set", "failures.0.mtbf=5d", "--out", "other").code).toBe(0);
    expectBadInput(faultline("merge", "own-1", "other"), "other/sweep.json: a different sweep from");
    expectBadInput(faultline("sweep", file, ...GRID, "--shard", "1/2", "--out", "other"), "this folder holds a different sweep");
    expectBadInput(faultline("merge", "nowhere"), "nowhere/sweep.json: not found");
    expectBadInput(faultline("sweep", file, "--shard", "3/2"), '--shard expects i/N with 1 ≤ i ≤ N (shards are numbered from 1), got "3/2"');
  });

  it("resumes a sweep killed with SIGKILL and ends with the same files as one never stopped", async () => {
    const file = scenarioFile("resume.yaml", GOOD);
    // Long enough (40 runs of a simulated year) that the kill lands mid-sweep.
    const grid = ["--set", "horizon=1y", "--set", "failures.0.mtbf=5d,20d", "--replications", "10"];
    expect(faultline("sweep", file, ...grid, "--out", "never-stopped").code).toBe(0);

    const parts = join(work, "killed", "parts");
    const child = spawn(process.execPath, [CLI, "sweep", file, ...grid, "--out", "killed"], { cwd: work, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
    const partCount = () => (existsSync(parts) ? readdirSync(parts).filter((name) => name.endsWith(".json")).length : 0);
    while (partCount() < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(existsSync(join(work, "killed", "sweep.csv"))).toBe(false);
    const saved = readdirSync(parts).filter((name) => name.endsWith(".json"));
    expect(saved.length).toBeGreaterThanOrEqual(4);
    expect(saved.length).toBeLessThan(40);
    const before = new Map(saved.map((name) => [name, statSync(join(parts, name)).mtimeMs]));

    const resumed = faultline("sweep", file, ...grid, "--out", "killed", "--resume");
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`${saved.length} of 40 already done`);
    // What was saved before the kill was kept, not run again.
    for (const [name, mtimeMs] of before) expect(statSync(join(parts, name)).mtimeMs, name).toBe(mtimeMs);
    expect(sweepResults(join(work, "killed"))).toEqual(sweepResults(join(work, "never-stopped")));
  });
});

describe("faultline slurm (scripts only)", () => {
  it("writes a job array of shards, resuming, and a merge script", () => {
    const file = scenarioFile("slurm.yaml", GOOD);
    const result = faultline("slurm", file, ...GRID, "--array", "4", "--workers", "2", "--time", "1:00:00", "--out", "batch");
    expect(result.code).toBe(0);
    const array = readFileSync(join(work, "batch", "slurm", "array.sbatch"), "utf8");
    expect(array).toContain("#SBATCH --array=1-4\n");
    expect(array).toContain("#SBATCH --cpus-per-task=2\n");
    expect(array).toContain("#SBATCH --time=1:00:00\n");
    expect(array).toMatch(/ sweep \S+slurm\.yaml --set failures\.0\.mtbf=5d,20d .* --workers 2 --out \S+batch --shard "\$\{SLURM_ARRAY_TASK_ID\}\/4" --resume\n/);
    expect(readFileSync(join(work, "batch", "slurm", "merge.sbatch"), "utf8")).toMatch(/ merge \S+batch\n/);
    expect(result.stdout).toMatch(/^jid=\$\(sbatch --parsable \S+array\.sbatch\) && sbatch --dependency=afterok:/);
    expectBadInput(faultline("slurm", file), "needs --array N");
    expectBadInput(faultline("slurm", file, "--array", "9"), "--array 9 is more shards than the sweep has runs (4)");
  });
});
