import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A temporary folder for small inline trace files, removed after the suite. */
export function tempFolder(prefix: string): (name: string, content: string | Uint8Array) => string {
  const folder = mkdtempSync(join(tmpdir(), `faultline-${prefix}-`));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return (name, content) => {
    const path = join(folder, name);
    writeFileSync(path, content);
    return path;
  };
}

/** The lines of a template literal, each stripped of the indentation the test source gave it. */
export function lines(...rows: string[]): string {
  return `${rows.join("\n")}\n`;
}
