/**
 * Turns a trace file into text: plain, or gzip recognised by its magic bytes (1f 8b), never by
 * the file name, since archives hand out `.swf` files that are gzipped and `.gz` names that are
 * not. UTF-8; a leading byte-order mark is dropped.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { TraceError } from "./trace-error.js";

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The text of `bytes`, gunzipped first when they are gzip; `source` names the input in errors. */
export function decodeTraceBytes(bytes: Uint8Array, source: string): string {
  let plain = bytes;
  if (isGzip(bytes)) {
    try {
      plain = gunzipSync(bytes);
    } catch (error) {
      throw new TraceError([`${source}: cannot decompress gzip (${errorCode(error)})`]);
    }
  }
  const text = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads `path` as trace text; an unreadable file is a TraceError naming the path and the system's code. */
export function readTraceText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new TraceError([`${path}: cannot read file (${errorCode(error)})`]);
  }
  return decodeTraceBytes(bytes, path);
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : String((error as Error).message ?? error);
}

/** The fields of one CSV line, or null when a quote is left open. */
export function splitCsvLine(line: string): string[] | null {
  if (!line.includes('"')) return line.split(",");
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else {
      cell += c;
    }
  }
  if (quoted) return null;
  cells.push(cell);
  return cells;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
