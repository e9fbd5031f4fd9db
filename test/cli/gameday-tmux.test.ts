import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cliWorkspace, expectBadInput } from "./workspace.js";

/**
 * The built CLI in a real terminal: tmux runs `faultline gameday` at 80×24, the test types
 * keys (send-keys) and reads the screen (capture-pane). .ci/run installs tmux and sets
 * FAULTLINE_TMUX_TEST=required, so in CI this runs or fails; elsewhere it is skipped,
 * saying so, when tmux is missing.
 */
const required = process.env.FAULTLINE_TMUX_TEST === "required";
const haveTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!haveTmux && !required) process.stderr.write("gameday-tmux.test.ts: no tmux here; the real-terminal test is skipped\n");

const { work, faultline } = cliWorkspace("faultline-tmux-");
const session = `faultline-test-${process.pid}`;

function tmux(...args: string[]): string {
  const result = spawnSync("tmux", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const screen = () => tmux("capture-pane", "-p", "-t", session);

async function waitFor(what: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let shown = "";
  while (Date.now() < deadline) {
    shown = screen();
    if (what.test(shown)) return shown;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the screen never showed ${what}:\n${shown}`);
}

describe.runIf(haveTmux || required)("faultline gameday in a real terminal", () => {
  it("plays a short scripted day by keys at 80×24, adapts to a resize, quits, saves, and replays to the same bytes", async () => {
    expect(haveTmux, "FAULTLINE_TMUX_TEST=required but tmux is not installed").toBe(true);
    // CI=true as on a CI runner: the day is still drawn live and in colour (an empty NO_COLOR is no request).
    const command = `cd ${work} && CI=true NO_COLOR= ${process.execPath} ${CLI} gameday gameday-night-shift --paused --out day; echo EXITED $?; sleep 60`;
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command);
    try {
      let shown = await waitFor(/faultline gameday gameday-night-shift +day 0 00:00:00 +❚❚ paused/);
      expect(shown).toMatch(/^r00 ·{16} /m);
      // Step to the first instants, one key at a time, until the hot node's incident has begun.
      for (let i = 0; i < 6; i++) tmux("send-keys", "-t", session, "n");
      shown = await waitFor(/day 0 01:05:19/);
      // The hot node has its own glyph, and the map its colours (SGR escapes, read with -e).
      expect(shown).toMatch(/^r01 .{5}▲/m);
      const coloured = tmux("capture-pane", "-p", "-e", "-t", session);
      expect(coloured).toMatch(/\u001b\[(\d+;)*3[1-6]m▲/);
      expect(coloured).toMatch(/\u001b\[(\d+;)*3[1-6]m■/);
      // Its alert fired as it began: a ticket, in yellow, above the log and in it.
      expect(shown).toMatch(/^TICKET GpuThrottled r01n05 GPU clock at 50% · 5 min$/m);
      expect(shown).toContain("TICKET GpuThrottled r01n05: GPU clock at 50%");
      expect(coloured).toMatch(/\u001b\[(\d+;)*33mTICKET/);
      tmux("send-keys", "-t", session, "a");
      await waitFor(/2 quarantine a node/);
      tmux("send-keys", "-t", session, "2", "r01n05", "Enter");
      shown = await waitFor(/quarantined r01n05: no new jobs there/);
      expect(shown).toMatch(/^r01 .{5}▣/m);
      // The screen uses every row but the last (where Ink leaves the cursor), the key line at the bottom.
      const keys = "space pause · +/- speed · n step · i inject · a act · ? help · q quit";
      let lines = shown.trimEnd().split("\n");
      expect(lines).toHaveLength(23);
      expect(lines.at(-1)).toBe(keys);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);

      // Bigger window: the screen fills it, the key line on its last row.
      tmux("resize-window", "-t", session, "-x", "120", "-y", "32");
      tmux("send-keys", "-t", session, "?");
      shown = await waitFor(/Nodes are named r<rack>n<slot>/);
      lines = shown.trimEnd().split("\n");
      expect(lines).toHaveLength(31);
      expect(lines.at(-1)).toBe(keys);
      tmux("send-keys", "-t", session, "x");

      tmux("send-keys", "-t", session, "q");
      shown = await waitFor(/EXITED 0/);
      expect(shown).toContain("saved: day/");
    } finally {
      spawnSync("tmux", ["kill-session", "-t", session]);
    }
    const final = readFileSync(join(work, "day", "final.json"), "utf8");
    const result = JSON.parse(final);
    // One incident had begun (the hot node at 1 h); quarantined 5 minutes in: full marks.
    expect(result).toMatchObject({ score: 100, commands: 1, endH: 1.08889 });
    expect(result.incidents).toEqual([{ title: "GPU node running hot", startH: 1, alertedH: 1, detectedH: 1.08889, mitigatedH: 1.08889, points: 100 }]);
    expect(result.alerts).toMatchObject({ pages: 0, tickets: 1, suppressed: 0 });
    expect(readFileSync(join(work, "day", "debrief.md"), "utf8")).toContain("| GPU node running hot (throttle on r01n05) | day 0 01:00:00 | 0 s | 5 min");
    const replay = faultline("gameday", "--replay", join("day", "session.json"));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toBe(final);
    expect(existsSync(join(work, "day", "replay", "final.json"))).toBe(true);
  }, 60_000);
});

describe("faultline gameday without a terminal", () => {
  it("asks for one (or --replay), and names the field of a broken session file", () => {
    expectBadInput(faultline("gameday", "gameday-night-shift"), "needs a terminal to play in (replay a saved day without one: --replay FILE)");
    writeFileSync(join(work, "broken-session.json"), '{ "format": 1, "scenarioFile": "x.yaml", "seed": "eleven" }\n');
    expectBadInput(faultline("gameday", "--replay", "broken-session.json"), "broken-session.json:1:50 seed: expected number", "broken-session.json:1:1 commands: missing required key");
    expectBadInput(faultline("gameday", "--replay", "nowhere.json"), "nowhere.json: cannot read file (ENOENT)");
  });
});
