import { AssertionFailure } from "../sim/assert.js";
import { ReplicationFailure } from "../runner/run.js";
import { InputError, UsageError } from "./usage.js";

/** Turns what went wrong into the message and exit code a user should see. */
export function explainError(error: unknown): { lines: string[]; exitCode: number } {
  if (error instanceof InputError) return { lines: [...error.problems], exitCode: 2 };
  if (error instanceof UsageError) {
    const where = error.command === "" ? "faultline" : `faultline ${error.command}`;
    const helpHint = error.command === "" ? "faultline --help" : `faultline ${error.command} --help`;
    return { lines: [`${where}: ${error.message} (see ${helpHint})`], exitCode: 2 };
  }
  const lines: string[] = [];
  const cause = error instanceof ReplicationFailure ? error.cause : error;
  const what = cause instanceof AssertionFailure ? "assertion failed" : "internal error";
  lines.push(`faultline: ${what} (a bug in faultline): ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof ReplicationFailure) {
    lines.push(`seed: ${error.seed}`);
    if (error.reproduceCommand !== "") lines.push(`reproduce: ${error.reproduceCommand}`);
  }
  if (process.env.FAULTLINE_DEBUG === "1" && cause instanceof Error && cause.stack !== undefined) {
    lines.push(cause.stack);
  } else {
    lines.push("(set FAULTLINE_DEBUG=1 to print the stack)");
  }
  return { lines, exitCode: 3 };
}
