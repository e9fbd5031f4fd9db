import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHROMIUM, browserRequired, haveChromium, noteSkippedWithoutChromium, withPage } from "./headless.js";
import { sweepReport } from "../../cli/sweep.js";
import { sweepMetrics, type SweepPointSummary } from "../../reports/csv.js";
import { sweepReportHtml } from "../../reports/sweep-html.js";
import { runScenario } from "../../runner/run.js";
import { planSweep } from "../../runner/sweep.js";
import { resolveScenarioPath } from "../../scenarios/library.js";
import { prepareScenario } from "../../scenarios/prepare.js";

/**
 * sweep.html in a real headless Chromium, as browser.test.ts does for report.html: no
 * console error, no network request, a curve for every metric and swept parameter and a
 * heatmap for every metric, each drawn with points, and a screenshot that is not blank.
 * Required in CI (FAULTLINE_BROWSER_TEST=required); elsewhere skipped, saying so, without
 * /usr/bin/chromium. FAULTLINE_SWEEP_SCREENSHOT=path keeps the screenshot (docs/).
 */
noteSkippedWithoutChromium("sweep-browser.test.ts", "sweep-report-in-a-browser");

describe.runIf(haveChromium || browserRequired)("sweep.html in headless Chromium", () => {
  it("renders with no console error, no network request, and a plot per metric and parameter", async () => {
    expect(haveChromium, `FAULTLINE_BROWSER_TEST=required but ${CHROMIUM} is missing (apt-get install chromium)`).toBe(true);
    const scenarioFile = resolveScenarioPath("quickstart");
    const planned = planSweep({
      scenarioFile,
      scenarioText: readFileSync(scenarioFile, "utf8"),
      sets: ["strategies.1.checkpoint.interval=30m,2h,8h", "failures.0.mtbf=10d,30d"],
      seed: null,
      replications: 3,
    });
    if (!planned.ok) throw new Error(planned.problems.join("\n"));
    const plan = planned.value;
    const points: SweepPointSummary[] = plan.points.map((point) => {
      const results = runScenario(prepareScenario(point.scenario, scenarioFile), {
        seed: point.seed,
        replications: point.replications,
        faultlineVersion: "test",
      });
      return { folder: point.folder, values: point.values, summary: results.summary, runs: results.runs };
    });
    const folder = mkdtempSync(join(tmpdir(), "faultline-sweep-report-"));
    const page = join(folder, "sweep.html");
    writeFileSync(page, sweepReportHtml(sweepReport(plan, points, "test")));

    await withPage(page, { width: 1100, height: 1400 }, async (tab, { consoleErrors, requests }) => {
      const plots = await tab.$$eval("svg[data-plot]", (svgs) =>
        svgs.map((svg) => ({
          kind: svg.getAttribute("data-plot"),
          metric: svg.getAttribute("data-metric"),
          parameter: svg.getAttribute("data-parameter"),
          points: Number(svg.getAttribute("data-points")),
          width: svg.getBoundingClientRect().width,
          height: svg.getBoundingClientRect().height,
        })),
      );
      const markers = await tab.$$eval(".fl-marker", (marks) => marks.length);
      const shot = process.env.FAULTLINE_SWEEP_SCREENSHOT ?? join(folder, "sweep.png");
      await tab.screenshot({ path: shot, fullPage: false });

      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([]);
      const metrics = sweepMetrics(points);
      for (const parameter of plan.axes.map((axis) => axis.path)) {
        const curves = plots.filter((plot) => plot.kind === "sweep-curve" && plot.parameter === parameter);
        expect(curves.map((plot) => plot.metric), parameter).toEqual(metrics);
      }
      const heatmaps = new Set(plots.filter((plot) => plot.kind === "sweep-heatmap").map((plot) => plot.metric));
      expect([...heatmaps]).toEqual(metrics);
      for (const plot of plots) {
        expect(plot.points, `${plot.kind} ${plot.metric} has points`).toBeGreaterThan(0);
        expect(plot.width * plot.height, `${plot.kind} ${plot.metric} is drawn`).toBeGreaterThan(1_000);
      }
      // Daly's interval beside every curve against the checkpoint interval, one per swept MTBF.
      expect(markers).toBe(2 * metrics.length);
      expect(readFileSync(shot).length).toBeGreaterThan(50_000);
    });
  }, 120_000);
});
