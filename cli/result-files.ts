import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from "node:path";
import type { z } from "zod";
import { parseScenarioText } from "../scenarios/parse.js";
import { DOCUMENT_BYTES_MAX, readInputBytes } from "../models/workload/traces/text.js";
import { TraceError } from "../models/workload/traces/trace-error.js";
import { InputError } from "./usage.js";

/**
 * Where faultline writes, and how. It never destroys what it did not write:
 * - an output folder is claimed before any work: it must be absent, empty, or a folder
 *   faultline wrote itself (it holds the marker file `.faultline`). A user's folder is
 *   refused (exit 2) unless `--force`; a file, a symbolic link, the working folder or a
 *   folder holding it are refused always.
 * - a claim holds a lock file beside the folder (`.NAME.lock`), so two faultlines never
 *   write one folder at once: the second is refused. Shards of one sweep share a folder,
 *   each with a lock of its own (`.NAME.lock-2-of-3`). A lock whose process is gone (same
 *   host, or a requeued Slurm task) is taken over.
 * - files and folders are written to a temporary sibling, then renamed: a result is whole
 *   or absent. A write that fails (disk full, read-only) removes what it staged and is
 *   reported as bad input naming the path (exit 2), not as a bug.
 */

/** The file that marks a folder as faultline's own. Its content is fixed, so result folders stay byte-identical. */
export const OUTPUT_MARKER = ".faultline";
const MARKER_TEXT = "This folder was written by faultline; faultline may replace it. Remove this file to keep it.\n";

export interface ClaimOptions {
  /** The command claiming, for messages (`run`, `sweep`, …). */
  readonly command: string;
  /** Replace a folder faultline did not write. */
  readonly force: boolean;
  /** Whether the folder's present content will be replaced (false: a resume or a shard joins it). */
  readonly replace: boolean;
  /** A sweep shard's name (`2-of-3`): shards of one sweep write one folder side by side. */
  readonly shard?: string;
  /** How the folder was named on the command line, for messages (default: the path). */
  readonly option?: string;
}

/**
 * Claims `folder` for this process's results (see the module comment); throws InputError
 * (exit 2) with a one-line reason when it may not be written. Says on stderr when it will
 * replace faultline's earlier results. The lock is released when the process exits.
 */
export function claimOutputFolder(folder: string, options: ClaimOptions): void {
  const path = resolve(folder);
  const cwd = process.cwd();
  const named = `${options.option ?? "--out"} ${shownPath(folder, cwd)}`;
  if (path === parse(path).root || path === cwd || cwd.startsWith(path + sep)) {
    throw new InputError([`${named}: is the working folder or holds it; faultline writes results into a folder of their own (e.g. --out results/x)`]);
  }
  const present = folderState(path);
  if (present.kind === "file") {
    throw new InputError([`${named}: is a file; faultline writes a folder there, so choose another ${options.option ?? "--out"}`]);
  }
  if (present.kind === "link") {
    throw new InputError([`${named}: is a symbolic link; name the folder it points to, or another one`]);
  }
  if (present.kind === "foreign" && !options.force) {
    const shown = present.entries.slice(0, 3).join(", ") + (present.entries.length > 3 ? ", …" : "");
    throw new InputError([
      `${named}: holds files faultline did not write (${shown}); choose another folder, or add --force to replace it`,
    ]);
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw writeProblem(dirname(path), error);
  }
  takeLock(path, named, options.shard);
  if (options.replace && present.kind === "ours") {
    process.stderr.write(`note: ${shownPath(folder, cwd)}/ holds faultline's earlier results; they are replaced\n`);
  } else if (options.replace && present.kind === "foreign") {
    process.stderr.write(`note: ${shownPath(folder, cwd)}/ is replaced (--force)\n`);
  }
}

/** A path as the user would write it: relative to the working folder when inside it. */
function shownPath(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const inside = relative(cwd, path);
  return inside === "" ? "." : inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

type FolderState =
  | { readonly kind: "absent" | "empty" | "ours" | "file" | "link" }
  | { readonly kind: "foreign"; readonly entries: readonly string[] };

function folderState(path: string): FolderState {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw writeProblem(path, error);
  }
  if (stats.isSymbolicLink()) return { kind: "link" };
  if (!stats.isDirectory()) return { kind: "file" };
  const entries = readdirSync(path).sort();
  if (entries.length === 0) return { kind: "empty" };
  return entries.includes(OUTPUT_MARKER) ? { kind: "ours" } : { kind: "foreign", entries };
}

/** Whether `folder` carries faultline's marker. */
export function isOwnFolder(folder: string): boolean {
  return folderState(resolve(folder)).kind === "ours";
}

// ---------------------------------------------------------------------------------------
// Locks

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly slurmJobId?: string;
  readonly slurmRestartCount?: number;
}

function thisHolder(): LockHolder {
  const job = process.env.SLURM_JOB_ID;
  return {
    pid: process.pid,
    host: hostname(),
    ...(job === undefined ? {} : { slurmJobId: job, slurmRestartCount: Number(process.env.SLURM_RESTART_COUNT ?? 0) }),
  };
}

/** Whether the process that wrote a lock may still be running. */
function holderAlive(holder: LockHolder): boolean {
  const me = thisHolder();
  // A requeued Slurm task runs again, maybe on another host: its earlier self is gone.
  if (holder.slurmJobId !== undefined && holder.slurmJobId === me.slurmJobId) {
    return (holder.slurmRestartCount ?? 0) >= (me.slurmRestartCount ?? 0) && holder.pid !== me.pid ? sameHostAlive(holder) : false;
  }
  return sameHostAlive(holder);
}

function sameHostAlive(holder: LockHolder): boolean {
  // Another host's process cannot be asked: it holds the lock until it removes it.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(lockPath: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(lockPath, "utf8")) as LockHolder;
    return typeof holder.pid === "number" && typeof holder.host === "string" ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Takes `.NAME.lock` (or a shard's `.NAME.lock-SHARD`) in the folder's parent. A whole
 * writer conflicts with every live lock of the folder; a shard only with a whole writer
 * and with the same shard.
 */
function takeLock(path: string, named: string, shard: string | undefined): void {
  const parent = dirname(path);
  const prefix = `.${basename(path)}.lock`;
  const mine = shard === undefined ? prefix : `${prefix}-${shard}`;
  for (const entry of readdirSync(parent)) {
    if (entry !== prefix && !entry.startsWith(`${prefix}-`)) continue;
    if (shard !== undefined && entry !== prefix && entry !== mine) continue;
    const lockPath = join(parent, entry);
    const holder = readHolder(lockPath);
    if (holder === null || holderAlive(holder)) throw lockedBy(named, lockPath, holder);
    rmSync(lockPath, { force: true });
  }
  const lockPath = join(parent, mine);
  try {
    writeFileSync(lockPath, `${JSON.stringify(thisHolder())}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw lockedBy(named, lockPath, readHolder(lockPath));
    throw writeProblem(lockPath, error);
  }
  process.once("exit", () => rmSync(lockPath, { force: true }));
}

function lockedBy(named: string, lockPath: string, holder: LockHolder | null): InputError {
  const who = holder === null ? "another faultline" : `another faultline (pid ${holder.pid} on ${holder.host})`;
  return new InputError([`${named}: ${who} is writing it; wait for it to end, or remove ${lockPath} if none is running`]);
}

// ---------------------------------------------------------------------------------------
// Writing

/**
 * Writes a file so it is either its old self or complete: a temporary sibling, then rename.
 * The sibling's name holds host and pid: shards on several hosts may share a folder.
 */
export function writeFileAtomically(path: string, content: string): void {
  const staging = `${path}.tmp-${hostname()}-${process.pid}`;
  try {
    writeFileSync(staging, content);
    renameSync(staging, path);
  } catch (error) {
    rmSync(staging, { force: true });
    throw writeProblem(path, error);
  }
}

/**
 * Writes a result folder so that it is either complete or absent: every file, and the
 * marker, go into a temporary sibling folder, which then replaces the target by rename.
 * The caller has claimed the folder. A run killed midway leaves `.name.tmp-PID` behind,
 * never a folder that looks finished; a write that fails leaves nothing.
 */
export function writeResultFolder(folder: string, files: ReadonlyMap<string, string>): void {
  const parent = dirname(folder);
  const staging = join(parent, `.${basename(folder)}.tmp-${process.pid}`);
  const retired = join(parent, `.${basename(folder)}.old-${process.pid}`);
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    writeFileSync(join(staging, OUTPUT_MARKER), MARKER_TEXT);
    for (const [name, content] of files) writeFileSync(join(staging, name), content);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw writeProblem(folder, error);
  }
  let hadPrevious = true;
  try {
    renameSync(folder, retired);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      rmSync(staging, { recursive: true, force: true });
      throw writeProblem(folder, error);
    }
    hadPrevious = false;
  }
  renameSync(staging, folder);
  if (hadPrevious) rmSync(retired, { recursive: true, force: true });
}

/**
 * Empties a claimed folder and marks it as faultline's, for a sweep that starts afresh:
 * its earlier parts and points must not mix with the new ones.
 */
export function startOwnFolder(folder: string, fresh: boolean): void {
  try {
    if (fresh) {
      const retired = join(dirname(folder), `.${basename(folder)}.old-${process.pid}`);
      try {
        renameSync(folder, retired);
        rmSync(retired, { recursive: true, force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, OUTPUT_MARKER), MARKER_TEXT);
  } catch (error) {
    throw writeProblem(folder, error);
  }
}

/**
 * A file the user names for faultline to write (a baseline, a JUnit report): refused when
 * it exists and is not one faultline wrote (`isOurs` judges its text), unless `--force`.
 */
export function claimOutputFile(path: string, option: string, force: boolean, isOurs: (text: string) => boolean): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw writeProblem(path, error);
  }
  if (!stats.isFile()) throw new InputError([`${option} ${path}: is not a regular file; choose another path`]);
  if (force) return;
  let ours = false;
  try {
    ours = isOurs(readInputBytes(path, DOCUMENT_BYTES_MAX).toString("utf8"));
  } catch {
    ours = false;
  }
  if (!ours) {
    throw new InputError([`${option} ${path}: is a file faultline did not write; choose another path, or add --force to replace it`]);
  }
}

const WRITE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "is a folder",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** A failed write as bad input naming the path (exit 2); other errors are bugs, passed on. */
export function writeProblem(path: string, error: unknown): unknown {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === undefined ? undefined : WRITE_PROBLEMS[code];
  if (what === undefined) return error;
  return new InputError([`${path}: cannot write (${code}: ${what}); nothing partial was left`]);
}

/** A file's text; an unreadable one is bad input naming it (and `hint`, what to do about it). */
export function readInputFile(path: string, hint = ""): string {
  try {
    return readInputBytes(path, DOCUMENT_BYTES_MAX).toString("utf8");
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    throw new InputError(error.problems.map((line) => (hint === "" ? line : `${line}; ${hint}`)));
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
  try {
    return createHash("sha256").update(readInputBytes(path, DOCUMENT_BYTES_MAX)).digest("hex");
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    throw new InputError(error.problems);
  }
}
