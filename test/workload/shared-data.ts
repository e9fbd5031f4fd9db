import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The real traces live in `shared/data` beside the repository (a clone with shared/ next to
 * it, here and in CI), never inside it. Found by walking up from this file to the faultline
 * package.json, so it works from `test/` under vitest and from `dist/test/` in the bench.
 */
export function sharedDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "faultline") break;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the faultline repository root (package.json) above test/workload");
    dir = parent;
  }
  return resolve(dir, "..", "shared", "data");
}

/**
 * Path of a file in shared/data. Throws, so the tests that need it fail with this message
 * rather than being skipped, when the folder or the file is missing.
 */
export function sharedDataFile(name: string): string {
  const dir = sharedDataDir();
  if (!existsSync(dir)) {
    throw new Error(`shared data folder missing: expected ${dir} (clone shared/ beside the repository; see shared/data/README.md)`);
  }
  const path = join(dir, name);
  if (!existsSync(path)) throw new Error(`shared data file missing: expected ${path} (see shared/data/README.md)`);
  return path;
}
