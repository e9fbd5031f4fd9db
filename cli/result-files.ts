import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import type { z } from "zod";
import { parseScenarioText } from "../scenarios/parse.js";
import { InputError } from "./usage.js";

/**
 * Writes a file so it is either its old self or complete: a temporary sibling, then rename.
 * The sibling's name holds host and pid: shards on several hosts may share a folder.
 */
export function writeFileAtomically(path: string, content: string): void {
  const staging = `${path}.tmp-${hostname()}-${process.pid}`;
  writeFileSync(staging, content);
  renameSync(staging, path);
}
import { basename, dirname, join } from "node:path";

/**
 * Writes a result folder so that it is either complete or absent: every file goes into a
 * temporary sibling folder, which then replaces the target by rename. A run killed midway
 * leaves `.name.tmp-PID` behind, never a folder that looks finished.
 */
export function writeResultFolder(folder: string, files: ReadonlyMap<string, string>): void {
  const parent = dirname(folder);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${basename(folder)}.tmp-${process.pid}`);
  const retired = join(parent, `.${basename(folder)}.old-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  for (const [name, content] of files) writeFileSync(join(staging, name), content);
  let hadPrevious = true;
  try {
    renameSync(folder, retired);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    hadPrevious = false;
  }
  renameSync(staging, folder);
  if (hadPrevious) rmSync(retired, { recursive: true, force: true });
}

/** A file's text; an unreadable one is bad input naming it (and `hint`, what to do about it). */
export function readInputFile(path: string, hint = ""): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new InputError([`${path}: cannot read file (${code})${hint === "" ? "" : `; ${hint}`}`]);
  }
}

/** A JSON (or YAML) file checked against `schema`; every problem as `file:line:col path: message`. */
export function readCheckedFile<T>(path: string, schema: z.ZodType<T>, hint = ""): T {
  const parsed = parseScenarioText(readInputFile(path, hint), path, schema);
  if (!parsed.ok) throw new InputError(parsed.problems);
  return parsed.value;
}

/** The SHA-256 of a file's bytes, in hex: what a saved baseline or session was made from. */
export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
