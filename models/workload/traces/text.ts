/**
 * Turns a trace file into text: plain, or gzip recognised by its magic bytes (1f 8b), never by
 * the file name, since archives hand out `.swf` files that are gzipped and `.gz` names that are
 * not. UTF-8; a leading byte-order mark is dropped.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { TraceError } from "./trace-error.js";

/**
 * The most bytes a trace may hold, compressed or once decompressed: what one process can
 * parse in memory (the largest Parallel Workloads Archive logs are tens of MB).
 */
export const TRACE_BYTES_MAX = 256 * 2 ** 20;

/** The most bytes a scenario, a baseline or a saved result may hold. */
export const DOCUMENT_BYTES_MAX = 16 * 2 ** 20;

function formatMiB(bytes: number): string {
  return `${bytes / 2 ** 20} MiB`;
}

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them. A FIFO, a device or a
 * folder is refused without blocking on it (opened non-blocking, then checked), and a file
 * is read in chunks up to the bound, so an endless one (a growing log) cannot exhaust memory.
 * Problems are TraceErrors naming the path (bad input, exit 2).
 */
export function readInputBytes(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new TraceError([`${path}: cannot read file (${errorCode(error)})`]);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      const what = stats.isDirectory() ? "a folder" : stats.isFIFO() ? "a pipe" : "not a regular file";
      throw new TraceError([`${path}: is ${what}; faultline reads regular files (or gzip of them) only`]);
    }
    if (stats.size > maxBytes) {
      throw new TraceError([`${path}: holds ${stats.size} bytes, more than the ${formatMiB(maxBytes)} an input may hold`]);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(4 * 2 ** 20, maxBytes + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
      total += read;
      if (total > maxBytes) {
        throw new TraceError([`${path}: holds more than the ${formatMiB(maxBytes)} an input may hold`]);
      }
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof TraceError) throw error;
    throw new TraceError([`${path}: cannot read file (${errorCode(error)})`]);
  } finally {
    closeSync(fd);
  }
}

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The text of `bytes`, gunzipped first when they are gzip; `source` names the input in errors. */
export function decodeTraceBytes(bytes: Uint8Array, source: string): string {
  let plain = bytes;
  if (isGzip(bytes)) {
    try {
      plain = gunzipSync(bytes, { maxOutputLength: TRACE_BYTES_MAX });
    } catch (error) {
      if (errorCode(error) === "ERR_BUFFER_TOO_LARGE") {
        throw new TraceError([`${source}: decompresses to more than the ${formatMiB(TRACE_BYTES_MAX)} a trace may hold`]);
      }
      throw new TraceError([`${source}: cannot decompress gzip (${errorCode(error)})`]);
    }
  }
  const text = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads `path` as trace text; an unreadable file is a TraceError naming the path and the system's code. */
export function readTraceText(path: string): string {
  return decodeTraceBytes(readInputBytes(path, TRACE_BYTES_MAX), path);
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
