/**
 * Runs the faultline CLI with this process's arguments and, as it exits, prints the
 * process's peak RSS (every thread's memory counts) as the last line on stderr:
 * `peak-rss-kib N`. For the sweep benchmark, which times the whole process from outside.
 */
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
process.argv = [process.argv[0], cli, ...process.argv.slice(2)];
process.on("exit", () => process.stderr.write(`\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`));
await import("../../cli/main.js");
