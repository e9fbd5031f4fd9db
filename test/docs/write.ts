import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { metricsMarkdown } from "../../reports/metrics-doc.js";

/** `npm run docs`: rewrites the generated pages under docs/. */
const docs = fileURLToPath(new URL("../../../docs/", import.meta.url));
writeFileSync(`${docs}metrics.md`, metricsMarkdown());
process.stdout.write(`wrote ${docs}metrics.md\n`);
