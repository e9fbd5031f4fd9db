import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHROMIUM, browserRequired, haveChromium, noteSkippedWithoutChromium, withPage } from "./headless.js";
import { loadScenario } from "../../scenarios/library.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runScenario } from "../../runner/run.js";
import { reportHtml } from "../../reports/html.js";
import { writeFileSync } from "node:fs";

/**
 * report.html in a real headless Chromium (Debian's `chromium`): no console errors, no network
 * request of any kind, every plot drawn with points, and a screenshot that is not blank.
 * .ci/run installs chromium and sets FAULTLINE_BROWSER_TEST=required, so in CI this test runs
 * or fails, never skips. Elsewhere it runs when /usr/bin/chromium exists and is skipped,
 * saying so, when it does not.
 */
noteSkippedWithoutChromium("browser.test.ts", "report-in-a-browser");

describe.runIf(haveChromium || browserRequired)("report.html in headless Chromium", () => {
  it("renders with no console error, no network request, and every plot drawn", async () => {
    expect(haveChromium, `FAULTLINE_BROWSER_TEST=required but ${CHROMIUM} is missing (apt-get install chromium)`).toBe(true);
    const loaded = await loadScenario("quickstart");
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const results = runScenario(prepareScenario(loaded.value, "quickstart.yaml"), {
      seed: 42,
      replications: 3,
      faultlineVersion: "test",
    });
    const folder = mkdtempSync(join(tmpdir(), "faultline-report-"));
    const page = join(folder, "report.html");
    writeFileSync(page, reportHtml(results));

    await withPage(page, { width: 1280, height: 900 }, async (tab, { consoleErrors, requests }) => {
      const plots = await tab.$$eval("svg[data-plot]", (svgs) =>
        svgs.map((svg) => ({
          kind: svg.getAttribute("data-plot"),
          points: Number(svg.getAttribute("data-points")),
          width: svg.getBoundingClientRect().width,
          height: svg.getBoundingClientRect().height,
        })),
      );
      const shot = join(folder, "report.png");
      await tab.screenshot({ path: shot, fullPage: true });

      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([]);
      const kinds = new Set(plots.map((plot) => plot.kind));
      for (const kind of ["boxplot", "time-series", "failure-timeline"]) expect(kinds, kind).toContain(kind);
      for (const plot of plots) {
        expect(plot.points, `${plot.kind} has points`).toBeGreaterThan(0);
        expect(plot.width * plot.height, `${plot.kind} is drawn`).toBeGreaterThan(1_000);
      }
      // A PNG of a page with text and plots is far larger than a blank one.
      expect(readFileSync(shot).length).toBeGreaterThan(50_000);
    });
  }, 60_000);
});
