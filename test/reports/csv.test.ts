import { describe, expect, it } from "vitest";

import { parseRunsCsv, runsCsv } from "../../reports/csv.js";
import { roundForOutput } from "../../reports/format.js";
import type { MetricValues, RunRecord } from "../../reports/records.js";
import { METRIC_NAMES } from "../../reports/records.js";
import { fixtureResults, nullMetrics } from "./fixture.js";

function rounded(run: RunRecord): RunRecord {
  const metrics = nullMetrics<number>();
  for (const metric of METRIC_NAMES) {
    const value = run.metrics[metric];
    metrics[metric] = value === null ? null : roundForOutput(value);
  }
  return { ...run, metrics: metrics as MetricValues };
}

const awkward: RunRecord = {
  strategy: 'a,b "quoted"\nnext line',
  replication: 7,
  seed: 9_007_199_254_740_991, // Largest safe integer: seeds are written exactly, not rounded.
  metrics: {
    ...nullMetrics<number>(),
    goodput: 1 / 3,
    cost_total: 1234567.891,
    fabric_p99_latency_us: 1e-7,
    jobs_failed: 0,
  } as MetricValues,
};

describe("runsCsv", () => {
  it("writes the header strategy, replication, seed, then every metric in METRIC_NAMES order", () => {
    const [header] = runsCsv([]).split("\n");
    expect(header.split(",")).toEqual(["strategy", "replication", "seed", ...METRIC_NAMES]);
  });

  it("writes one row per run in the order given, null as an empty cell", () => {
    const { runs } = fixtureResults();
    const lines = runsCsv(runs).trimEnd().split("\n");
    expect(lines).toHaveLength(runs.length + 1);
    const header = lines[0].split(",");
    const first = lines[1].split(",");
    expect(first.slice(0, 3)).toEqual(["no-checkpoint", "0", "42"]);
    expect(first[header.indexOf("checkpoint_overhead_gpu_h")]).toBe("");
    expect(first[header.indexOf("lost_work_gpu_h")]).toBe("95");
    expect(lines[4].startsWith("fixed-30m,0,42,")).toBe(true);
  });

  it("rounds to 6 significant digits and quotes awkward names", () => {
    const text = runsCsv([awkward]);
    expect(text).toContain('"a,b ""quoted""\nnext line",7,9007199254740991,');
    expect(text).toContain(",0.333333,");
    expect(text).toContain(",1e-7,");
    expect(text).toContain(",1234570,");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("refuses a non-finite metric rather than writing it", () => {
    const bad = { ...awkward, metrics: { ...awkward.metrics, goodput: Number.NaN } };
    expect(() => runsCsv([bad])).toThrow(/non-finite/);
  });
});

describe("parseRunsCsv", () => {
  it("reads back what runsCsv wrote, equal after rounding", () => {
    const runs = [...fixtureResults().runs, awkward];
    expect(parseRunsCsv(runsCsv(runs))).toEqual(runs.map(rounded));
  });

  it("reads empty cells as null", () => {
    const [run] = parseRunsCsv(runsCsv(fixtureResults().runs));
    expect(run.metrics.checkpoint_overhead_gpu_h).toBeNull();
    expect(run.metrics.jobs_failed).toBeNull();
    expect(run.metrics.lost_work_gpu_h).toBe(95);
  });

  it("accepts CRLF line ends and columns in another order", () => {
    const text = runsCsv(fixtureResults().runs);
    const rows = text.trimEnd().split("\n").map((line) => line.split(","));
    const reordered = rows.map((row) => [...row.slice(1), row[0]].join(",")).join("\r\n");
    expect(parseRunsCsv(reordered)).toEqual(parseRunsCsv(text));
  });

  it("names an unknown column", () => {
    const text = runsCsv([]).replace("goodput", "goodness");
    expect(() => parseRunsCsv(text)).toThrow(/unknown column "goodness"/);
  });

  it("names a missing column", () => {
    const text = runsCsv([]).replace(",makespan_h", "");
    expect(() => parseRunsCsv(text)).toThrow(/missing column "makespan_h"/);
  });

  it("names the row and column of a cell that is not a number", () => {
    const text = runsCsv(fixtureResults().runs).replace("no-checkpoint,0,42,360", "no-checkpoint,0,42,lots");
    expect(() => parseRunsCsv(text)).toThrow(/row 2, column "jobs_submitted": expected a number, got "lots"/);
  });
});
