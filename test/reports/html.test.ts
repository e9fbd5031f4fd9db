import { describe, expect, it } from "vitest";

import { reportHtml } from "../../reports/html.js";
import { FIXTURE_SHOWN_METRICS, fixtureResults } from "./fixture.js";

describe("reportHtml", () => {
  const html = reportHtml(fixtureResults());

  it("is one page with no script and no URL of any kind", () => {
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).not.toMatch(/(["'(=\s])\/\/[^\s]/);
  });

  it("opens with the scenario, its question and its provenance", () => {
    expect(html).toContain("<h1>spot-checkpoint-cadence</h1>");
    expect(html).toContain("Which checkpoint cadence minimises cost per finished job on spot GPUs?");
    expect(html).toContain("<dt>seed</dt><dd>42</dd>");
    expect(html).toContain("<dt>replications</dt><dd>3</dd>");
    expect(html).toContain("<dt>faultline</dt><dd>0.1.0</dd>");
  });

  it("highlights the best strategy per judged metric in the table", () => {
    expect(html).toMatch(/<td class="num best" title="[^"]*">69 <span class="ci">±4<\/span><\/td>/);
    const utilisationRow = /<tr><td class="metric"[^>]*>gpu_utilization<\/td>.*<\/tr>/.exec(html);
    expect(utilisationRow).not.toBeNull();
    expect(utilisationRow![0]).not.toContain("best");
  });

  it("states the verdict", () => {
    expect(html).toContain("<h2>Verdict</h2>");
    expect(html).toContain("fixed-30m lowers lost_work_gpu_h by 31% vs no-checkpoint (95% CIs do not overlap).");
  });

  it("has one boxplot per exercised metric, plus time series and the failure timeline", () => {
    expect(html.match(/data-plot="boxplot"/g)).toHaveLength(FIXTURE_SHOWN_METRICS.length);
    for (const metric of FIXTURE_SHOWN_METRICS) expect(html).toContain(`data-metric="${metric}"`);
    expect(html).not.toContain('data-metric="goodput"');
    expect(html.match(/data-plot="time-series"/g)).toHaveLength(2);
    expect(html.match(/data-plot="failure-timeline"/g)).toHaveLength(1);
    expect(html).not.toMatch(/data-points="0"/);
  });

  it("escapes a hostile strategy name everywhere", () => {
    const hostile = reportHtml(fixtureResults(["no-checkpoint", 'a<b&"c"', "<script>x</script>"]));
    expect(hostile).not.toContain('a<b&"c"');
    expect(hostile).not.toMatch(/<script/i);
    expect(hostile).toContain("a&lt;b&amp;&quot;c&quot;");
    expect(hostile).toContain("&lt;script&gt;x&lt;/script&gt;");
  });

  it("gives the same bytes for the same results", () => {
    expect(reportHtml(fixtureResults())).toBe(html);
  });

  it("names the time series after what the results measured", () => {
    const fixture = fixtureResults();
    const relabel = (moveTo: "service_goodput_ratio" | "node_utilization") =>
      reportHtml({
        ...fixture,
        summary: {
          ...fixture.summary,
          strategies: fixture.summary.strategies.map((strategy) => ({
            ...strategy,
            metrics: { ...strategy.metrics, gpu_utilization: null, [moveTo]: strategy.metrics.gpu_utilization },
          })),
        },
      });
    expect(html).toContain("GPU utilisation");
    const service = relabel("service_goodput_ratio");
    expect(service).toContain("Goodput ratio");
    expect(service).toContain("Queued requests");
    expect(service).not.toContain("GPU utilisation");
    const cpu = relabel("node_utilization");
    expect(cpu).toContain("Node utilisation");
    expect(cpu).not.toContain("GPU utilisation");
  });

  it("copes with a result set without traces or runs", () => {
    const bare = reportHtml({ ...fixtureResults(), traces: [], runs: [] });
    expect(bare).toContain("No traces were kept");
    expect(bare.match(/data-plot="boxplot"/g)).toHaveLength(FIXTURE_SHOWN_METRICS.length);
  });
});
