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
    expect(csv[0]).toMatch(
      /^point,failures\.0\.mtbf,workload\.generator\.arrivalsPerHour,strategy,jobs_submitted,jobs_submitted_ci_low,jobs_submitted_ci_high,jobs_submitted_n,/,
    );
    expect(csv).toHaveLength(1 + 6 * 2);
    expect(csv[1]).toMatch(/^point-0-mtbf=5d_arrivalsPerHour=0\.5,5d,0\.5,none,/);
    expect(csv[12]).toMatch(/^point-5-mtbf=20d_arrivalsPerHour=2,20d,2,fixed-30m,/);
    expect(one.stdout).toBe(readFileSync(join(work, "sw1", "sweep.csv"), "utf8"));
    // Every metric has mean, CI and n; a metric no point exercises has no columns at all.
    const header = csv[0].split(",");
    const rows = csv.slice(1).map((row) => row.split(","));
    const cell = (row: string[], column: string) => row[header.indexOf(column)];
    const metrics = header.slice(4).filter((column) => !/_(ci_low|ci_high|n)$/.test(column));
    expect(header.length).toBe(4 + 4 * metrics.length);
    expect(metrics).not.toContain("service_latency_p99_ms");
    for (const metric of metrics) {
      expect(rows.some((row) => cell(row, metric) !== ""), metric).toBe(true);
      for (const row of rows) {
        if (cell(row, metric) === "") continue;
        const [mean, low, high] = ["", "_ci_low", "_ci_high"].map((suffix) => Number(cell(row, `${metric}${suffix}`)));
        expect(low, `${metric} ${row[0]}`).toBeLessThanOrEqual(mean);
        expect(high, `${metric} ${row[0]}`).toBeGreaterThanOrEqual(mean);
        // n counts the replications that exercised it: with one, the CI is the mean itself.
        const n = cell(row, `${metric}_n`);
        expect(["1", "2"], `${metric} ${row[0]}`).toContain(n);
        if (n === "1") expect([low, high]).toEqual([mean, mean]);
      }
      for (const row of rows) {
        if (cell(row, metric) === "") expect(cell(row, `${metric}_n`)).toBe("0");
      }
    }
    // The values took: more arrivals, more jobs; and each point is an ordinary result folder.
    const submitted = (row: string[]) => Number(cell(row, "jobs_submitted"));
    expect(submitted(rows[4])).toBeGreaterThan(submitted(rows[0]));
    expect(readdirSync(join(work, "sw1")).filter((name) => name.startsWith("point-"))).toEqual([
      "point-0-mtbf=5d_arrivalsPerHour=0.5", "point-1-mtbf=5d_arrivalsPerHour=1", "point-2-mtbf=5d_arrivalsPerHour=2",
      "point-3-mtbf=20d_arrivalsPerHour=0.5", "point-4-mtbf=20d_arrivalsPerHour=1", "point-5-mtbf=20d_arrivalsPerHour=2",
    ]);
    const point3 = join(work, "sw1", "point-3-mtbf=20d_arrivalsPerHour=0.5");
    expect(readdirSync(point3).sort()).toEqual(
      [".faultline", "point.json", "report.html", "report.md", "runs.csv", "summary.json", "traces.json"],
    );
    expect(JSON.parse(readFileSync(join(point3, "point.json"), "utf8"))).toEqual({
      index: 3,
      folder: "point-3-mtbf=20d_arrivalsPerHour=0.5",
      values: { "failures.0.mtbf": "20d", "workload.generator.arrivalsPerHour": "0.5" },
    });
    // A point folder is still a result folder that faultline report reads.
    expect(faultline("report", point3).code).toBe(0);
    expect(existsSync(join(point3, "point.json"))).toBe(true);
    // 6 points × 2 strategies × 2 replications, one part each.
    expect(readdirSync(join(work, "sw1", "parts"))).toHaveLength(24);
    expect(sweepResults(join(work, "sw2"))).toEqual(sweepResults(join(work, "sw1")));
    expectBadInput(faultline("sweep", file, "--set", "failures.0.mtbf=5d,soon"), "[mtbf=soon]", "failures[0].mtbf: expected a duration");
    expectBadInput(faultline("sweep", file, "--set", "nope"), '--set expects path=value[,value…], got "nope"');
  });

  it("writes sweep.html: a curve per metric and parameter, a heatmap per metric and strategy, Daly beside a swept interval", () => {
    const file = scenarioFile("curves.yaml", GOOD);
    expect(faultline("sweep", file, ...GRID, "--out", "curves").code).toBe(0);
    const html = readFileSync(join(work, "curves", "sweep.html"), "utf8");
    const header = readFileSync(join(work, "curves", "sweep.csv"), "utf8").split("\n")[0].split(",");
    const metrics = header.slice(4).filter((column) => !/_(ci_low|ci_high|n)$/.test(column));
    // Self-contained: no script, no URL of any kind.
    expect(html).not.toMatch(/<script|https?:|src=|href=/);
    const plots = [...html.matchAll(/<svg [^>]*data-plot="([^"]+)"[^>]*data-metric="([^"]+)"[^>]*data-(?:parameter|strategy)="([^"]+)"[^>]*data-points="(\d+)"/g)];
    const curves = plots.filter((plot) => plot[1] === "sweep-curve");
    const heatmaps = plots.filter((plot) => plot[1] === "sweep-heatmap");
    for (const parameter of ["failures.0.mtbf", "workload.generator.arrivalsPerHour"]) {
      expect(curves.filter((plot) => plot[3] === parameter).map((plot) => plot[2])).toEqual(metrics);
    }
    // 2 strategies × 3 values of the other parameter, 2 (or 3) points each.
    for (const plot of curves) expect(Number(plot[4]), plot[2]).toBeGreaterThan(0);
    // Every metric has a heatmap for each strategy that exercises it.
    expect([...new Set(heatmaps.map((plot) => plot[2]))]).toEqual(metrics);
    expect(heatmaps.filter((plot) => plot[3] === "none").length).toBeGreaterThan(metrics.length / 2);
    expect(heatmaps.filter((plot) => plot[3] === "none").map((plot) => plot[2])).not.toContain("checkpoint_success_rate");
    expect(heatmaps.filter((plot) => plot[3] === "fixed-30m").map((plot) => plot[2])).toContain("checkpoint_success_rate");
    // A heatmap draws a cell for every point sweep.csv has a mean for.
    const rows = readFileSync(join(work, "curves", "sweep.csv"), "utf8").trim().split("\n").slice(1).map((row) => row.split(","));
    for (const plot of heatmaps) {
      const means = rows.filter((row) => row[3] === plot[3] && row[header.indexOf(plot[2])] !== "");
      expect(Number(plot[4]), `${plot[2]} ${plot[3]}`).toBe(means.length);
    }
    // More arrivals submit more jobs: the best (higher) jobs_completed is at the highest rate.
    expect(html).toMatch(/Best jobs_completed by workload\.generator\.arrivalsPerHour — none · mtbf=5d: 2 \(/);
    expect(html).not.toContain("Daly");

    // A swept fixed checkpoint interval: Daly's optimum is drawn beside the curve.
    expect(faultline("sweep", file, "--set", "strategies.1.checkpoint.interval=10m,30m,2h", "--out", "interval").code).toBe(0);
    const interval = readFileSync(join(work, "interval", "sweep.html"), "utf8");
    expect(interval).toMatch(/Dashed: Daly&#39;s optimum checkpoint interval for fixed-30m .* at node MTBF 10 d, 2\.2 nodes/);
    expect(interval.match(/class="fl-marker"/g)).toHaveLength((interval.match(/data-plot="sweep-curve"/g) ?? []).length);
    expect(interval).not.toContain('data-plot="sweep-heatmap"');
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
