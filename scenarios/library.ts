import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { readScenarioFile, type ScenarioParseResult } from "./parse.js";
import { scenarioSchema, type Scenario } from "./schema.js";
import { scenarioWarnings } from "./warnings.js";

/**
 * The bundled scenarios (`scenarios/*.yaml` in the package) and lookup of a scenario by
 * path or by bundled name, so `faultline run quickstart` works from any folder.
 */

/** The package's root: the nearest folder above this module holding faultline's package.json. */
export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "faultline") return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error("faultline's package.json not found above " + import.meta.url);
    folder = parent;
  }
}

export function bundledScenarioDir(): string {
  return join(packageRoot(), "scenarios");
}

export interface BundledScenario {
  readonly name: string;
  readonly path: string;
  readonly description: string;
}

/** Bundled scenarios by file name. */
export function bundledScenarios(): BundledScenario[] {
  const folder = bundledScenarioDir();
  return readdirSync(folder)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const path = join(folder, file);
      const data = parse(readFileSync(path, "utf8")) as { description?: unknown };
      return {
        name: file.slice(0, -".yaml".length),
        path,
        description: typeof data?.description === "string" ? data.description : "",
      };
    });
}

/** A path as given when it exists; otherwise the bundled scenario of that name, if any. */
export function resolveScenarioPath(pathOrName: string): string {
  if (existsSync(pathOrName)) return pathOrName;
  const bundled = join(bundledScenarioDir(), `${pathOrName}.yaml`);
  if (/^[a-z0-9-]+$/.test(pathOrName) && existsSync(bundled)) return bundled;
  return pathOrName;
}

/** Reads, parses and validates a scenario given by path or bundled name. */
export async function loadScenario(pathOrName: string): Promise<ScenarioParseResult<Scenario>> {
  return readScenarioFile(resolveScenarioPath(pathOrName), scenarioSchema, scenarioWarnings);
}
