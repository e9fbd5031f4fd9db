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
