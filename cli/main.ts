#!/usr/bin/env node
import {
  faultlineVersion,
  help,
  listCommand,
  reportCommand,
  runCommand,
  schemaCommand,
  validateCommand,
} from "./commands.js";
import { mergeCommand, slurmCommand, sweepCommand } from "./sweep.js";
import { regressCommand } from "./regress.js";
import { compareCommand } from "./compare.js";
import { explainError } from "./errors.js";
import { UsageError } from "./usage.js";

/**
 * The `faultline` command: parses the command name and hands over. Exit codes are
 * DESIGN.md's: 0 success, 1 a gate failed, 2 bad input, 3 an internal error (a bug).
 */
const COMMANDS: Readonly<Record<string, (args: string[]) => number | Promise<number>>> = {
  run: runCommand,
  sweep: sweepCommand,
  merge: mergeCommand,
  slurm: slurmCommand,
  regress: regressCommand,
  compare: compareCommand,
  // Loaded when used: Ink and React are heavy for every other command's start-up.
  gameday: async (args) => (await import("./gameday/command.js")).gamedayCommand(args),
  validate: validateCommand,
  list: listCommand,
  report: reportCommand,
  schema: schemaCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return help(command === "help" && args[0] !== undefined && args[0] in COMMANDS ? args[0] : "main");
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${faultlineVersion()}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (handler === undefined) throw new UsageError("", `unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(", ")})`);
  return handler(args);
}

// A reader that goes away early (`faultline schema | head -1`) only stops the output: the
// command ends as it would have, quietly. Anything else on a standard stream is a bug.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { lines, exitCode } = explainError(error);
    process.stderr.write(`${lines.join("\n")}\n`);
    process.exitCode = exitCode;
  },
);
