import { describe, expect, it } from "vitest";

import type { FailureEvent, RunTrace } from "../../reports/records.js";
import { boxplotSvg, failureTimelineSvg, niceScale, standaloneSvg, timeSeriesSvg } from "../../reports/svg.js";
import { fixtureResults, stats } from "./fixture.js";

const attribute = (svg: string, name: string): string | undefined =>
  new RegExp(`^<svg [^>]*\\b${name}="([^"]*)"`).exec(svg)?.[1];

describe("niceScale", () => {
  it.each([
    [0, 1],
    [0, 7.3],
    [95, 115],
    [0.001, 0.0042],
    [125000, 131000],
    [-3, 12],
    [5, 5],
  ])("gives 4 to 6 round ticks covering [%d, %d]", (lo, hi) => {
    const scale = niceScale(lo, hi, true);
    expect(scale.ticks.length).toBeGreaterThanOrEqual(4);
    expect(scale.ticks.length).toBeLessThanOrEqual(6);
    expect(scale.lo).toBeLessThanOrEqual(Math.min(lo, hi));
    expect(scale.hi).toBeGreaterThanOrEqual(Math.max(lo, hi));
    for (const tick of scale.ticks) expect(String(tick).length).toBeLessThanOrEqual(8);
  });

  it("keeps time ticks inside the horizon", () => {
    expect(niceScale(0, 30, false).ticks).toEqual([0, 10, 20, 30]);
  });
});

describe("boxplotSvg", () => {
  const strategies = [
    { name: "no-checkpoint", summary: stats(100, 5), values: [95, 100, 105] },
    { name: "fixed-30m", summary: stats(69, 4), values: [65, 69, 73] },
    { name: "a<b&\"c\"", summary: null, values: [] },
  ];
  const svg = boxplotSvg("lost_work_gpu_h", strategies);

  it("has a title, its kind and its point count", () => {
    expect(svg).toMatch(/^<svg [^>]*data-plot="boxplot"/);
    expect(attribute(svg, "data-points")).toBe("6");
    expect(svg).toContain("<title>lost_work_gpu_h across strategies</title>");
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain("not exercised");
  });

  it("escapes names and uses no external font", () => {
    expect(svg).toContain("a&lt;b&amp;&quot;c&quot;");
    expect(svg).not.toContain('a<b&"c"');
    expect(svg).toContain("font-family:system-ui,sans-serif");
    expect(svg).not.toMatch(/@import|url\(/);
  });

  it("gives the same bytes every time", () => {
    expect(boxplotSvg("lost_work_gpu_h", strategies)).toBe(svg);
  });

  it("gets a namespace only as a standalone file", () => {
    expect(svg).not.toContain("xmlns");
    expect(standaloneSvg(svg)).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="fl-plot"');
  });
});

describe("timeSeriesSvg", () => {
  const { traces } = fixtureResults();
  const svg = timeSeriesSvg(
    "GPU utilisation",
    "fraction of GPUs busy",
    traces.map((t) => ({ name: t.strategy, points: t.utilization })),
  );

  it("draws one step line per series with a legend, in days past three days", () => {
    expect(attribute(svg, "data-plot")).toBe("time-series");
    expect(attribute(svg, "data-points")).toBe("18");
    expect(svg.match(/data-series="/g)).toHaveLength(3);
    expect(svg).toContain("time (days)");
    expect(svg).toContain(">daly</text>");
    // Step lines move only horizontally and vertically.
    const path = /<path d="([^"]*)"[^>]*data-series="no-checkpoint"/.exec(svg)?.[1] ?? "";
    expect(path).toMatch(/^M[\d.]+ [\d.]+([HV][\d.]+)+$/);
  });

  it("says so when there is nothing to draw", () => {
    const empty = timeSeriesSvg("Queue length", "jobs", [{ name: "x", points: [] }]);
    expect(attribute(empty, "data-points")).toBe("0");
    expect(empty).toContain("no data");
  });

  it("keeps the path short when many points share a pixel", () => {
    const points = Array.from({ length: 50_000 }, (_, i) => ({ timeH: i / 100, value: i % 7 }));
    const dense = timeSeriesSvg("dense", "jobs", [{ name: "x", points }]);
    expect(attribute(dense, "data-points")).toBe("50000");
    expect(dense.length).toBeLessThan(60_000);
  });
});

describe("failureTimelineSvg", () => {
  it("draws a lane per strategy and a legend entry per kind", () => {
    const { traces } = fixtureResults();
    const svg = failureTimelineSvg(traces, 720);
    expect(attribute(svg, "data-plot")).toBe("failure-timeline");
    expect(attribute(svg, "data-points")).toBe("15");
    expect(attribute(svg, "data-histogram-lanes")).toBe("0");
    expect(svg.match(/data-failures="5"/g)).toHaveLength(3);
    expect(svg).toContain("node-crash (6)");
    expect(svg).toContain("gpu-xid (6)");
    expect(svg).toContain("spot-preemption (3)");
  });

  it("draws the lowest replication of each strategy once", () => {
    const { traces } = fixtureResults();
    const later: RunTrace = { ...traces[0], replication: 4, failures: [] };
    const svg = failureTimelineSvg([later, ...traces], 720);
    expect(svg.match(/data-failures=/g)).toHaveLength(3);
  });

  it("bins a lane of more than 2,000 failures into a histogram", () => {
    const failures: FailureEvent[] = Array.from({ length: 2500 }, (_, i) => ({
      timeH: (i * 7919) % 720,
      kind: i % 3 === 0 ? "gpu-xid" : "node-crash",
      target: `n${i}`,
      durationH: null,
    }));
    const busy: RunTrace = { strategy: "busy", replication: 0, utilization: [], queueLength: [], failures };
    const calm: RunTrace = { ...busy, strategy: "calm", failures: failures.slice(0, 10) };
    const svg = failureTimelineSvg([busy, calm], 720);
    expect(attribute(svg, "data-points")).toBe("2510");
    expect(attribute(svg, "data-histogram-lanes")).toBe("1");
    expect(svg).toContain("2500 failures in 120 bins of 6.00 h");
    expect(svg.length).toBeLessThan(40_000);
  });

  it("says so for a lane without failures", () => {
    const { traces } = fixtureResults();
    const svg = failureTimelineSvg([{ ...traces[0], failures: [] }], 720);
    expect(attribute(svg, "data-points")).toBe("0");
    expect(svg).toContain("no failures");
  });
});
