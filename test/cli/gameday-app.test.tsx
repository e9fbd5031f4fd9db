import { readFileSync } from "node:fs";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { GamedayApp, STATE_GLYPHS, handleKeys, sparkline, type Mode } from "../../cli/gameday/app.js";
import { playInTerminal } from "../../cli/gameday/command.js";
import { formatSimClock } from "../../reports/format.js";
import { GamedayController, defaultSpeed } from "../../cli/gameday/controller.js";
import { openSession } from "../../runner/gameday/play.js";
import { GamedaySession } from "../../runner/gameday/session.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { scenarioSchema } from "../../scenarios/schema.js";

async function controller(): Promise<GamedayController> {
  const loaded = await loadScenario("gameday-night-shift");
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const session = new GamedaySession(prepareScenario(loaded.value, join(bundledScenarioDir(), "gameday-night-shift.yaml")), 11);
  return new GamedayController(session, { paused: true, now: () => 0 });
}

/** Waits (up to 5 s: machines under load are slow) until the screen shows `text`. */
async function shows(lastFrame: () => string | undefined, text: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const frame = stripAnsi(lastFrame() ?? "");
    if (frame.includes(text) || Date.now() > deadline) return frame;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

describe("the game-day screen", () => {
  it("shows the clock, the cluster map, gauges, jobs and the keys, within the terminal", async () => {
    const game = await controller();
    for (let i = 0; i < 8; i++) game.step();
    const { lastFrame, unmount } = render(<GamedayApp controller={game} onQuit={() => {}} />);
    const frame = stripAnsi(lastFrame() ?? "");
    expect(frame).toContain("faultline gameday gameday-night-shift");
    expect(frame).toContain(formatSimClock(game.session.nowUs));
    expect(frame).toContain("❚❚ paused");
    expect(frame).toMatch(/^r00 [■·]{16} /m);
    expect(frame).toMatch(/^r03 [■·]{16} /m);
    expect(frame).toContain("SLO budget");
    expect(frame).toMatch(/running #0 r00n00/);
    expect(frame).toContain("space pause · +/- speed · n step · i inject · a act · ? help · q quit");
    // ink-testing-library's terminal is 100 columns, rows unknown (24 assumed); tmux checks 80×24.
    const lines = frame.split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(100);
    unmount();
  });

  it("opens help on ?, and drives an action through the menu and a typed node", async () => {
    const game = await controller();
    const { lastFrame, stdin, unmount } = render(<GamedayApp controller={game} onQuit={() => {}} />);
    await shows(lastFrame, "faultline gameday");
    stdin.write("?");
    expect(await shows(lastFrame, "Nodes are named")).toContain("Nodes are named r<rack>n<slot>");
    stdin.write("x");
    await shows(lastFrame, "space pause");
    stdin.write("a");
    expect(await shows(lastFrame, "2 quarantine a node")).toContain("2 quarantine a node");
    stdin.write("2");
    expect(await shows(lastFrame, "quarantine a node: r")).toContain("quarantine a node: r▏");
    stdin.write("01n05");
    expect(await shows(lastFrame, "quarantine a node: r01n05")).toContain("quarantine a node: r01n05");
    stdin.write("\r");
    const frame = await shows(lastFrame, "quarantined r01n05: no new jobs there");
    expect(game.session.commands.map((logged) => logged.command)).toEqual([{ kind: "quarantine", node: "r01n05" }]);
    expect(frame).toContain("quarantined r01n05: no new jobs there");
    expect(frame).toMatch(/^r01 [■·]{5}▣/m);
    unmount();
  });

  it("takes keys typed together one at a time, and quits from anywhere but a text field", async () => {
    const game = await controller();
    const main: Mode = { kind: "main" };
    const after = handleKeys(main, "a5", {}, game);
    expect(after).toEqual(main);
    expect(game.session.commands.map((logged) => logged.command.kind)).toEqual(["rollback-driver"]);
    expect(handleKeys(main, "q", {}, game)).toBe("quit");
    expect(handleKeys({ kind: "help" }, "q", {}, game)).toBe("quit");
    const typing = handleKeys(main, "a1r2n3", {}, game);
    expect(typing).toMatchObject({ kind: "target", text: "r2n3" });
    expect(handleKeys(typing as Mode, "q", {}, game)).toMatchObject({ kind: "target", text: "r2n3q" });
    expect(handleKeys(typing as Mode, "", { escape: true }, game)).toEqual(main);
    expect(handleKeys(main, "c", { ctrl: true }, game)).toBe("quit");
    // This cluster has no control plane: its actions are not offered, the key does nothing.
    expect(handleKeys(main, "af", {}, game)).toMatchObject({ kind: "menu" });
  });

  it("offers in its menus only what applies to the scenario, and keeps each entry's key", async () => {
    const bundled = async (name: string, strategy?: string) => {
      const loaded = await loadScenario(name);
      if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
      const session = openSession(prepareScenario(loaded.value, join(bundledScenarioDir(), `${name}.yaml`)), 1, strategy);
      return new GamedayController(session, { paused: true });
    };
    const menu = (game: GamedayController, key: string) => {
      const mode = handleKeys({ kind: "main" }, key, {}, game) as Extract<Mode, { kind: "menu" }>;
      return mode.items.map((item) => `${item.key} ${item.label}`);
    };
    const night = await controller();
    expect(menu(night, "i")).toEqual([
      "1 node crash (4 h)",
      "2 rack power loss (4 h)",
      "3 thermal throttle (1 h)",
      "4 bad driver (1 h)",
      "5 stray drain (1 h)",
      "d bad driver rollout (waves every 30 min)",
    ]);
    expect(menu(night, "a").filter((entry) => /control plane|checkpoint|scheduler/.test(entry))).toEqual([
      "6 checkpoint every running job now",
      "7 scheduler: FIFO",
      "8 scheduler: EASY backfill",
      "9 scheduler: conservative backfill",
    ]);
    // Every entry offered applies: none is refused for what the scenario lacks.
    const fabric = await bundled("llm-training-64gpu");
    expect(menu(fabric, "i")).toEqual(expect.arrayContaining(["7 link down (a rack's uplink, 1 h)", "8 metadata storm"]));
    const ha = await bundled("control-plane-ha", "active-passive");
    expect(menu(ha, "a")).toEqual(expect.arrayContaining(["f control plane: fail over", "c control plane: renew the certificate"]));
    expect(menu(ha, "i").filter((entry) => entry.includes("control plane"))).toHaveLength(3);
    const spot = await bundled("spot-checkpoint-cadence", "spot-on-notice");
    expect(menu(spot, "i")).toContain("6 spot wave (every spot node on notice)");
    expect(menu(await bundled("spot-checkpoint-cadence", "all-on-demand"), "i")).not.toContain("6 spot wave (every spot node on notice)");
  });

  it("holds the clock while a menu, a prompt or the help is open, and runs on after", async () => {
    const game = await controller();
    game.togglePause(); // running
    const main: Mode = { kind: "main" };
    game.tick();
    const before = game.session.nowUs;
    expect(before).toBeGreaterThan(0);
    let mode = handleKeys(main, "a1r0", {}, game);
    for (let i = 0; i < 20; i++) game.tick();
    mode = handleKeys(mode as Mode, "n1", {}, game);
    game.tick();
    expect(game.view()).toMatchObject({ held: true, paused: false });
    expect(game.session.nowUs).toBe(before);
    const { lastFrame, unmount } = render(<GamedayApp controller={game} onQuit={() => {}} />);
    expect(stripAnsi(lastFrame() ?? "")).toContain("❚❚ held");
    unmount();
    // The drain applies at the time the menu opened; then the clock runs again.
    expect(handleKeys(mode as Mode, "", { return: true }, game)).toEqual(main);
    expect(game.session.commands).toEqual([{ atUs: before, command: { kind: "drain", node: "r0n1" } }]);
    game.tick();
    expect(game.session.nowUs).toBeGreaterThan(before);
    handleKeys(main, "?", {}, game);
    const helpAt = game.session.nowUs;
    game.tick();
    expect(game.session.nowUs).toBe(helpAt);
    handleKeys({ kind: "help" }, "x", {}, game);
    expect(game.view().held).toBe(false);
  });

  it("starts a cluster day at a speed an incident can be noticed at, a service's in real time", async () => {
    const game = await controller();
    // The night shift's detection objective is 20 min: 12 s of wall time at ×100, 1.2 s at ×1,000.
    expect(defaultSpeed(game.session)).toBe(100);
    const quick = readFileSync(join(bundledScenarioDir(), "gameday-night-shift.yaml"), "utf8").replace("detectWithin: 20m", "detectWithin: 4h");
    const parsed = parseScenarioText(quick, "quick.yaml", scenarioSchema);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    expect(defaultSpeed(openSession(prepareScenario(parsed.value, "quick.yaml"), 11))).toBe(1_000);
    const service = await loadScenario("replica-cascade");
    if (!service.ok) throw new Error(service.problems.join("\n"));
    expect(defaultSpeed(openSession(prepareScenario(service.value, join(bundledScenarioDir(), "replica-cascade.yaml")), 1))).toBe(1);
  });

  it("squeezes a 4,096-node cluster into the map, worst state of each group shown", async () => {
    const text = readFileSync(join(bundledScenarioDir(), "gameday-night-shift.yaml"), "utf8")
      .replace("racks: 4", "racks: 128")
      .replace("nodesPerRack: 16", "nodesPerRack: 32");
    const parsed = parseScenarioText(text, "big.yaml", scenarioSchema);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const session = new GamedaySession(prepareScenario(parsed.value, "big.yaml"), 11);
    session.apply({ kind: "inject", fault: "node-crash", target: "r127n31", durationS: 3_600 });
    session.advance(1);
    const { lastFrame, unmount } = render(<GamedayApp controller={new GamedayController(session, { paused: true })} onQuit={() => {}} />);
    const frame = stripAnsi(lastFrame() ?? "");
    const mapLines = frame.split("\n").filter((line) => /^r\d{3} /.test(line));
    // 24 rows leave 8 for the map: 16 racks a row, labelled by the first; every node a column.
    expect(mapLines.map((line) => line.slice(0, 4))).toEqual(["r000", "r016", "r032", "r048", "r064", "r080", "r096", "r112"]);
    expect(mapLines[7].slice(5, 37)).toBe(`${"·".repeat(31)}✕`);
    expect(frame.split("\n").length).toBeLessThanOrEqual(24);
    unmount();
  });

  it("ends with the score, each incident, the error budget spent and the work lost", async () => {
    const game = await controller();
    game.session.advance(1.2 * 3.6e9);
    game.command({ kind: "drain", node: "r01n05" });
    game.finish();
    const { lastFrame, unmount } = render(<GamedayApp controller={game} onQuit={() => {}} />);
    const frame = stripAnsi(lastFrame() ?? "");
    // Drained 12 minutes in, within both objectives; no job has ended yet, so no budget spent.
    expect(frame).toContain("game day over — score 100/100");
    expect(frame).toContain("error budget spent — · work lost 0.0 GPU-h (objective: ≤ 100% of the budget)");
    expect(frame).toContain("GPU node running hot: alert after 0 s, detected after 12 min, mitigated after 12 min · 100 pts");
    unmount();
  });

  it("gives every node state its own glyph, in the legend too, so the hot node shows without colour", async () => {
    const glyphs = Object.values(STATE_GLYPHS);
    expect(new Set(glyphs).size).toBe(glyphs.length);
    const game = await controller();
    game.session.advance(1.05 * 3.6e9); // the hot node's incident began at 1 h
    const { lastFrame, unmount } = render(<GamedayApp controller={game} onQuit={() => {}} />);
    const frame = stripAnsi(lastFrame() ?? "");
    expect(frame).toMatch(/^r01 [■·]{5}▲/m);
    expect(frame).toContain("■busy ·idle ◆spot ◇spot idle ✕down ▪draining ▲hot ▣quarantined ◉bad driver");
    unmount();
  });

  it("plays interactive and coloured whatever CI says, unless NO_COLOR asks otherwise", () => {
    const env: NodeJS.ProcessEnv = { CI: "true", CONTINUOUS_INTEGRATION: "1", NO_COLOR: "" };
    playInTerminal(env);
    expect(env).toEqual({ NO_COLOR: "" });
    const plain: NodeJS.ProcessEnv = { CI: "1", NO_COLOR: "1" };
    playInTerminal(plain);
    expect(plain).toEqual({ NO_COLOR: "1", FORCE_COLOR: "0" });
    const forced: NodeJS.ProcessEnv = { NO_COLOR: "1", FORCE_COLOR: "3" };
    playInTerminal(forced);
    expect(forced.FORCE_COLOR).toBe("3");
  });

  it("draws sparklines scaled to their maximum", () => {
    expect(sparkline([0, 0.5, 1], 10, 1)).toBe("▁▅█");
    expect(sparkline([1, 2, 3, 4], 2)).toBe("▆█");
  });
});
