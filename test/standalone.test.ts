import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { packageRoot } from "../scenarios/library.js";

/**
 * A lone clone of the project must pass its tests and run every bundled scenario: nothing
 * may read from a folder beside the repository. The traces ship in scenarios/traces.
 * (.ci/run, outside the folders checked, may still fetch its Slurm helper from beside it.)
 */
const ROOT = packageRoot();
const CHECKED_FOLDERS = ["sim", "models", "scenarios", "reports", "cli", "test", "docs"];
const CHECKED_FILES = ["package.json"];
// Built so this file does not name what it looks for.
const NEEDLES = [["..", "shared"].join("/"), ["shared", "data"].join("/")];

/** Files git tracks (paths relative to the root, "/"-separated), or null when git cannot say. */
function gitFiles(): string[] | null {
  const listed = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
  if (listed.error !== undefined || listed.status !== 0) return null;
  return listed.stdout.split("\0").filter((file) => file !== "");
}

/** Every file under the root but node_modules, dist and .git, for a copy without git. */
function walkedFiles(): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist" || entry.name === ".git") continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(relative(ROOT, path).split(sep).join("/"));
    }
  };
  walk(ROOT);
  return files;
}

const tracked = gitFiles();
const projectFiles = tracked ?? walkedFiles();
const checked = projectFiles.filter(
  (file) => CHECKED_FILES.includes(file) || CHECKED_FOLDERS.some((folder) => file.startsWith(`${folder}/`)),
);

describe("a lone clone", () => {
  it("finds the project's files to check", () => {
    expect(checked).toContain("package.json");
    expect(checked).toContain("test/standalone.test.ts");
  });

  it("names no folder beside the repository in code, tests, scenarios, docs or package.json", () => {
    const offenders: string[] = [];
    for (const file of checked) {
      const path = join(ROOT, file);
      if (!existsSync(path)) continue; // deleted in the work tree, not yet in git
      const bytes = readFileSync(path);
      for (const needle of NEEDLES) if (bytes.includes(needle)) offenders.push(`${file}: names ${needle}`);
    }
    expect(offenders).toEqual([]);
  });

  it("every bundled scenario's trace and failure log is a file inside the repository", () => {
    const scenarioFiles = readdirSync(join(ROOT, "scenarios")).filter((file) => file.endsWith(".yaml"));
    expect(scenarioFiles.length).toBeGreaterThan(0);
    const problems: string[] = [];
    let paths = 0;
    for (const file of scenarioFiles) {
      const scenarioPath = join(ROOT, "scenarios", file);
      const scenario = parse(readFileSync(scenarioPath, "utf8")) as {
        workload?: { trace?: { path?: unknown } };
        failures?: { path?: unknown }[];
      } | null;
      const given = [scenario?.workload?.trace?.path, ...(scenario?.failures ?? []).map((failure) => failure?.path)];
      for (const path of given) {
        if (path === undefined) continue;
        paths += 1;
        if (typeof path !== "string") {
          problems.push(`scenarios/${file}: path ${JSON.stringify(path)} is not a string`);
          continue;
        }
        const full = isAbsolute(path) ? path : resolve(dirname(scenarioPath), path);
        const inside = relative(ROOT, full);
        if (isAbsolute(path) || inside.startsWith("..") || isAbsolute(inside)) {
          problems.push(`scenarios/${file}: ${path} is outside the repository`);
        } else if (!existsSync(full)) {
          problems.push(`scenarios/${file}: ${path} does not exist`);
        } else if (tracked !== null && !tracked.includes(inside.split(sep).join("/"))) {
          problems.push(`scenarios/${file}: ${path} is not tracked by git`);
        }
      }
    }
    expect(problems).toEqual([]);
    // trace-replay-kth at least: the check saw a path.
    expect(paths).toBeGreaterThan(0);
  });
});
