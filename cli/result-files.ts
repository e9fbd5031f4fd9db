import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";

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
