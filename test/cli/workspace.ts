import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";

/** The built CLI, run as users run it (`npm test` builds first). */
export const CLI = join(import.meta.dirname, "../../dist/cli/main.js");

/** A scenario small enough to run in a blink, for the CLI tests. */
export const GOOD = `name: tiny
description: A tiny scenario for the CLI tests.
seed: 3
horizon: 5d
replications: 2
cluster: { racks: 1, nodesPerRack: 4, node: { gpus: 4 } }
workload:
  generator: { arrivalsPerHour: 1, nodes: { logUniform: [1, 4] }, runtime: { lognormal: { median: 2h, sigma: 1 } } }
failures:
  - { kind: node-crash, mtbf: 10d, repair: 2h }
strategies:
  - { name: none, checkpoint: { policy: none } }
  - { name: fixed-30m, checkpoint: { policy: fixed, interval: 30m, cost: 2m } }
`;

/** A temporary folder to run the CLI in, with helpers bound to it. */
export function cliWorkspace(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const faultlineWithEnv = (env: Record<string, string>, ...args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      encoding: "utf8",
      cwd: work,
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const faultline = (...args: string[]) => faultlineWithEnv({}, ...args);
  const scenarioFile = (name: string, text: string): string => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };
  return { work, faultline, faultlineWithEnv, scenarioFile };
}

/** Exit 2, every expected line, and no stack trace. */
export function expectBadInput(result: { code: number | null; stderr: string }, ...lines: string[]): void {
  expect(result.code).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const line of lines) expect(result.stderr).toContain(line);
}
