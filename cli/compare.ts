import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseRunsCsv } from "../reports/csv.js";
import { compareFolders, folderComparisonJson, folderComparisonText, type ComparedSet } from "../reports/folder-compare.js";
import type { Summary } from "../reports/records.js";
import { help } from "./commands.js";
import { readInputFile } from "./result-files.js";
import { InputError, UsageError, parseCommandArgs } from "./usage.js";

/** `faultline compare A B`: two result folders, metric by metric, with verdicts. */
export function compareCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs("compare", args, { json: { type: "boolean" } });
  if (values.help === true) return help("compare");
  if (positionals.length !== 2) throw new UsageError("compare", "expects two results folders (A, then B)");
  const [folderA, folderB] = positionals;
  // Every unreadable folder is named at once, not one per attempt.
  const problems: string[] = [];
  const read = (folder: string): Omit<ComparedSet, "label"> | null => {
    try {
      return readResultFolder(folder);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
      return null;
    }
  };
  const a = read(folderA);
  const b = read(folderB);
  if (a === null || b === null) throw new InputError(problems);
  // Columns and sentences name each side by its folder, or A and B when those read alike.
  const [labelA, labelB] = basename(resolve(folderA)) === basename(resolve(folderB)) ? ["A", "B"] : [basename(resolve(folderA)), basename(resolve(folderB))];
  const comparison = compareFolders({ ...a, label: labelA }, { ...b, label: labelB });
  process.stdout.write(values.json === true ? folderComparisonJson(comparison) : folderComparisonText(comparison));
  return 0;
}

/** summary.json and runs.csv of a result folder; a problem names the folder and file. */
function readResultFolder(folder: string): Omit<ComparedSet, "label"> {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError([`${folder}: not a results folder (no such folder); give one that faultline run wrote`]);
  }
  const summaryPath = join(folder, "summary.json");
  const runsPath = join(folder, "runs.csv");
  for (const path of [summaryPath, runsPath]) {
    if (!existsSync(path)) throw new InputError([`${folder}: not a results folder (no ${basename(path)}); give one that faultline run wrote`]);
  }
  let summary: Summary;
  try {
    summary = JSON.parse(readInputFile(summaryPath)) as Summary;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([`${summaryPath}: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  for (const field of ["scenario", "seed", "replications", "strategies"] as const) {
    if (summary === null || typeof summary !== "object" || summary[field] === undefined) problems.push(`${summaryPath}: missing "${field}"`);
  }
  if (problems.length === 0 && (!Array.isArray(summary.strategies) || summary.strategies.length === 0 || summary.strategies.some((s) => typeof s?.name !== "string"))) {
    problems.push(`${summaryPath}: strategies: expected a list of strategies, each with a name`);
  }
  if (problems.length > 0) throw new InputError(problems);
  try {
    return { folder, summary, runs: parseRunsCsv(readInputFile(runsPath)) };
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([`${runsPath}: ${(error as Error).message}`]);
  }
}
