import { parse, parseDocument } from "yaml";

/** One `--set path=v1,v2,…`: a field of the scenario file and the values it takes. */
export interface SweepAxis {
  /** As written, e.g. "failures.0.mtbf". */
  readonly path: string;
  readonly keys: readonly (string | number)[];
  /** As written, for labels. */
  readonly texts: readonly string[];
  /** Parsed as YAML scalars: "2" is a number, "10d" a string. */
  readonly values: readonly unknown[];
}

/** Parses `path=v1,v2,…`; throws a one-line message on a malformed one. */
export function parseSetOption(text: string): SweepAxis {
  const equals = text.indexOf("=");
  if (equals <= 0 || equals === text.length - 1) {
    throw new Error(`--set expects path=value[,value…], got "${text}"`);
  }
  const path = text.slice(0, equals);
  const keys = path.split(".").map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  if (keys.some((key) => key === "")) throw new Error(`--set path "${path}" has an empty part`);
  const texts = text.slice(equals + 1).split(",");
  if (texts.some((value) => value === "")) throw new Error(`--set ${path} has an empty value`);
  return { path, keys, texts, values: texts.map((value) => parse(value) as unknown) };
}

/** Every combination of the axes' values, the last axis varying fastest. */
export function sweepGrid(axes: readonly SweepAxis[]): number[][] {
  let grid: number[][] = [[]];
  for (const axis of axes) {
    grid = grid.flatMap((point) => axis.values.map((_, index) => [...point, index]));
  }
  return grid;
}

/** A point's label for folder names and tables: "mtbf=10d,rate=2". */
export function pointLabel(axes: readonly SweepAxis[], point: readonly number[]): string {
  return axes.map((axis, i) => `${axis.keys.at(-1)}=${axis.texts[point[i]]}`).join(",");
}

/**
 * The scenario file's text with the point's values set, for the schema to check as it
 * checks any file (so a bad value is reported against its field). Paths may create keys
 * the file leaves to defaults; a path through a list needs the item to exist.
 */
export function applySweepPoint(text: string, axes: readonly SweepAxis[], point: readonly number[]): string {
  const document = parseDocument(text);
  axes.forEach((axis, i) => document.setIn(axis.keys, axis.values[point[i]]));
  return document.toString();
}
