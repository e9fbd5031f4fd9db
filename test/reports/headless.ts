import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium, type Page } from "playwright-core";

/**
 * A page opened in a real headless Chromium (Debian's `chromium`) for the report tests,
 * watching what a self-contained report must never do: log a console error, or request
 * anything but itself. .ci/run installs chromium and sets FAULTLINE_BROWSER_TEST=required,
 * so there the tests run or fail, never skip; elsewhere they run when it exists.
 */
export const CHROMIUM = "/usr/bin/chromium";
export const browserRequired = process.env.FAULTLINE_BROWSER_TEST === "required";
export const haveChromium = existsSync(CHROMIUM);

/** Says on stderr that `testFile`'s browser test is skipped here, when it is. */
export function noteSkippedWithoutChromium(testFile: string, what: string): void {
  if (!haveChromium && !browserRequired) process.stderr.write(`${testFile}: no ${CHROMIUM} here (apt-get install chromium); the ${what} test is skipped\n`);
}

/** Opens `file` at `viewport` and gives `use` the tab and what it logged and requested; closes the browser after. */
export async function withPage(
  file: string,
  viewport: { width: number; height: number },
  use: (tab: Page, watched: { readonly consoleErrors: string[]; readonly requests: string[] }) => Promise<void>,
): Promise<void> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const tab = await browser.newPage({ viewport });
    const watched = { consoleErrors: [] as string[], requests: [] as string[] };
    const own = pathToFileURL(file).href;
    tab.on("console", (message) => {
      if (message.type() === "error") watched.consoleErrors.push(message.text());
    });
    tab.on("pageerror", (error) => watched.consoleErrors.push(error.message));
    tab.on("request", (request) => {
      if (request.url() !== own) watched.requests.push(request.url());
    });
    await tab.goto(own);
    await use(tab, watched);
  } finally {
    await browser.close();
  }
}
