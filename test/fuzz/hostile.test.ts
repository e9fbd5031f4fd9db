import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASES, categoryOf, checkScenario, defect, faultline, inParallel, mutate, mutationArbitrary, tally } from "./hostile.js";
import { PROBES, setUpProbe } from "./probes.js";

/**
 * Hostile input ends in exit 0 or 2, never exit 3, a V8 abort or a hang: targeted probes,
 * then a fast-check sample of mutated scenarios (`npm run fuzz` runs thousands).
 */
const root = mkdtempSync(join(tmpdir(), "faultline-hostile-"));

describe("hostile input", () => {
  it("the bases themselves validate and run", async () => {
    const results = await inParallel(
      Object.entries(BASES).map(([name, text]) => () => checkScenario(join(root, "bases"), name, "base", text, { timeoutMs: 60_000 })),
      2,
    );
    for (const result of results) {
      expect(result.validate.code, `${result.name}: ${result.validate.stderr}`).toBe(0);
      expect(result.run?.code, `${result.name}: ${result.run?.stderr}`).toBe(0);
    }
  }, 120_000);

  it("targeted probes: each ends in its exit code with its message", async () => {
    const outcomes = await inParallel(
      PROBES.map((probe) => async () => {
        const work = await setUpProbe(join(root, "probes"), probe);
        return { probe, outcome: await faultline(probe.args(work), { cwd: work, timeoutMs: 60_000 }) };
      }),
      2,
    );
    const failures = outcomes.flatMap(({ probe, outcome }) => {
      const problem =
        defect(outcome) ??
        (outcome.code !== probe.exit ? `exit ${outcome.code}, expected ${probe.exit}: ${outcome.stderr.slice(0, 300)}` : null) ??
        (probe.says !== undefined && !probe.says.test(outcome.stderr) ? `stderr lacks ${probe.says}: ${outcome.stderr.slice(0, 300)}` : null);
      return problem === null ? [] : [`${probe.name}: ${problem}`];
    });
    expect(failures).toEqual([]);
  }, 300_000);

  it("mutated scenarios (fast-check, 60 cases): validate and run end in exit 0 or 2", async () => {
    const cases = fc.sample(mutationArbitrary(), { numRuns: 60, seed: 20261205 });
    const results = await inParallel(
      cases.map(({ base, mutation }, i) => () =>
        checkScenario(join(root, "fuzz"), `case-${i}`, categoryOf(mutation), mutate(BASES[base], mutation), { timeoutMs: 60_000 }),
      ),
      2,
    );
    const failures = results.flatMap((result, i) => {
      const problem = defect(result.validate) ?? (result.run === null ? null : defect(result.run));
      return problem === null ? [] : [`case-${i} (${JSON.stringify(cases[i].mutation).slice(0, 200)}): ${problem}`];
    });
    expect(failures).toEqual([]);
    // The sample exercised both outcomes: most mutations are refused, some still run.
    const counts = [...tally(results).values()];
    expect(counts.reduce((sum, row) => sum + row.rejected, 0)).toBeGreaterThan(30);
    expect(counts.reduce((sum, row) => sum + row.ran, 0)).toBeGreaterThan(2);
  }, 600_000);
});
