import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../scenarios/library.js";

/**
 * The real public traces ship with the project in `scenarios/traces/` (sources, licences and
 * acknowledgements in its README.md), so a lone clone runs every test and bundled scenario.
 * Found from the faultline package.json above this module, so it works from `test/` under
 * vitest and from `dist/test/` in the bench and `npm run validate:traces`.
 */
export function traceDir(): string {
  return join(packageRoot(), "scenarios", "traces");
}

/**
 * Path of a file in scenarios/traces. Throws, so the tests that need it fail with this message
 * rather than being skipped, when the file is missing.
 */
export function traceFile(name: string): string {
  const path = join(traceDir(), name);
  if (!existsSync(path)) throw new Error(`trace file missing: expected ${path} (see scenarios/traces/README.md)`);
  return path;
}
