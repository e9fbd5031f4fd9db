import { describe, expect, it } from "vitest";
import { summaryJson } from "../../reports/json.js";
import { reportMarkdown } from "../../reports/markdown.js";
import { reportHtml } from "../../reports/html.js";
import { runScenario } from "../../runner/run.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { scenarioSchema } from "../../scenarios/schema.js";

const scenario = (currency: string) => `
name: priced
description: costs in a currency
seed: 1
horizon: 2d
replications: 2
cluster:
  racks: 1
  nodesPerRack: 4
  node: { gpus: 8 }
  pools: [{ name: ondemand, racks: 1, pricePerGpuHour: 2 }]
${currency}
workload:
  generator: { arrivalsPerHour: 1, nodes: 1, runtime: 1h }
strategies: [{ name: only }]
`;

function run(currency: string) {
  const parsed = parseScenarioText(scenario(currency), "priced.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return runScenario(prepareScenario(parsed.value, "priced.yaml"), { seed: 1, replications: 2, faultlineVersion: "test" });
}

describe("costs carry a currency", () => {
  it("defaults to USD, named in summary.json after the version and beside costs in the reports", () => {
    const results = run("");
    const summary = JSON.parse(summaryJson(results.summary));
    expect(Object.keys(summary)).toEqual(["scenario", "seed", "replications", "faultlineVersion", "currency", "strategies"]);
    expect(summary.currency).toBe("USD");
    // 4 nodes × 8 GPUs × 48 h × 2 per GPU-hour.
    expect(summary.strategies[0].metrics.cost_total.mean).toBeCloseTo(4 * 8 * 48 * 2, 6);
    expect(reportMarkdown(results)).toContain("Costs are in USD.");
    expect(reportHtml(results)).toContain("Costs are in USD.");
  });

  it("takes cluster.currency, and rejects one that is not an ISO 4217 code, naming the field", () => {
    expect(run("  currency: EUR").summary.currency).toBe("EUR");
    const parsed = parseScenarioText(scenario("  currency: euros"), "priced.yaml", scenarioSchema);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.problems.join("\n")).toContain("cluster.currency");
  });
});
