import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
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
const CHROMIUM = "/usr/bin/chromium";
const required = process.env.FAULTLINE_BROWSER_TEST === "required";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !required) {
  process.stderr.write(`browser.test.ts: no ${CHROMIUM} here (apt-get install chromium); the report-in-a-browser test is skipped\n`);
}

describe.runIf(haveChromium || required)("report.html in headless Chromium", () => {
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

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      tab.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      tab.on("pageerror", (error) => consoleErrors.push(error.message));
      tab.on("request", (request) => {
        if (request.url() !== pathToFileURL(page).href) requests.push(request.url());
      });
      await tab.goto(pathToFileURL(page).href);
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
    } finally {
      await browser.close();
    }
  }, 60_000);
});
