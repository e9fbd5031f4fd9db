import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { BASES, categoryOf, checkScenario, defect, faultline, inParallel, mutate, mutationArbitrary, tally } from "./hostile.js";
import { PROBES, setUpProbe } from "./probes.js";

/**
 * `npm run fuzz [cases] [seed]`: the hostile-input corpus at scale. Prints each defect (a
 * case that ended in anything but exit 0 or 2) and the counts by category for README.
 * Exits 1 when there was a defect.
 */
const cases = Number(process.argv[2] ?? 3_000);
const seed = Number(process.argv[3] ?? 1);
const root = mkdtempSync(join(tmpdir(), "faultline-fuzz-"));
const started = performance.now();

const probeOutcomes = await inParallel(
  PROBES.map((probe) => async () => {
    const work = await setUpProbe(join(root, "probes"), probe);
    return { probe, outcome: await faultline(probe.args(work), { cwd: work, timeoutMs: 120_000 }) };
  }),
  2,
);
let defects = 0;
for (const { probe, outcome } of probeOutcomes) {
  const problem = defect(outcome) ?? (outcome.code !== probe.exit ? `exit ${outcome.code}, expected ${probe.exit}` : null);
  if (problem !== null) {
    defects++;
    process.stdout.write(`DEFECT probe ${probe.name}: ${problem}\n`);
  }
}
process.stdout.write(`${PROBES.length} probes, ${defects} defects\n`);

const sample = fc.sample(mutationArbitrary(), { numRuns: cases, seed });
let done = 0;
const results = await inParallel(
  sample.map(({ base, mutation }, i) => async () => {
    const result = await checkScenario(join(root, "fuzz"), `case-${i}`, categoryOf(mutation), mutate(BASES[base], mutation), { timeoutMs: 120_000 });
    const problem = defect(result.validate) ?? (result.run === null ? null : defect(result.run));
    if (problem !== null) {
      defects++;
      process.stdout.write(`DEFECT case-${i} ${JSON.stringify(mutation).slice(0, 300)}: ${problem}\n`);
    }
    if (++done % 100 === 0) process.stderr.write(`${done}/${cases} cases, ${((performance.now() - started) / 1_000).toFixed(0)} s\n`);
    return result;
  }),
  2,
);

const rows = [...tally(results).entries()].sort(([a], [b]) => a.localeCompare(b));
process.stdout.write(`\n| category | cases | refused by validate (2) | ran (0) | refused at run (2) | defects |\n|---|---|---|---|---|---|\n`);
const total = { cases: 0, rejected: 0, ran: 0, refusedAtRun: 0, defects: 0 };
for (const [category, row] of rows) {
  process.stdout.write(`| ${category} | ${row.cases} | ${row.rejected} | ${row.ran} | ${row.refusedAtRun} | ${row.defects} |\n`);
  for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += row[key];
}
process.stdout.write(`| all | ${total.cases} | ${total.rejected} | ${total.ran} | ${total.refusedAtRun} | ${total.defects} |\n`);
process.stdout.write(`\n${cases} cases (seed ${seed}) and ${PROBES.length} probes in ${((performance.now() - started) / 1_000).toFixed(0)} s; ${defects} defects\n`);
rmSync(root, { recursive: true, force: true });
process.exitCode = defects > 0 ? 1 : 0;
