import { join } from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { GamedayApp, formatClock, handleKeys, sparkline, type Mode } from "../../cli/gameday/app.js";
import { GamedayController } from "../../cli/gameday/controller.js";
import { GamedaySession } from "../../scenarios/gameday.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { prepareScenario } from "../../scenarios/prepare.js";

async function controller(): Promise<GamedayController> {
  const loaded = await loadScenario("gameday-night-shift");
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const session = new GamedaySession(prepareScenario(loaded.value, join(bundledScenarioDir(), "gameday-night-shift.yaml")), 11);
  return new GamedayController(session, { paused: true, now: () => 0 });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

describe("the game-day screen", () => {
  it("shows the clock, the cluster map, gauges, jobs and the keys, within the terminal", async () => {
    const game = await controller();
    for (let i = 0; i < 8; i++) game.step();
    const { lastFrame, unmount } = render(<GamedayApp controller={game} onQuit={() => {}} />);
    const frame = stripAnsi(lastFrame() ?? "");
    expect(frame).toContain("faultline gameday gameday-night-shift");
    expect(frame).toContain(formatClock(game.session.nowUs));
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
    await tick();
    stdin.write("?");
    await tick();
    expect(lastFrame()).toContain("Nodes are named r<rack>n<slot>");
    stdin.write("x");
    await tick();
    stdin.write("a");
    await tick();
    expect(lastFrame()).toContain("2 quarantine a node");
    stdin.write("2");
    await tick();
    stdin.write("01n05");
    await tick();
    expect(lastFrame()).toContain("quarantine a node: r01n05");
    stdin.write("\r");
    await tick();
    expect(game.session.commands.map((logged) => logged.command)).toEqual([{ kind: "quarantine", node: "r01n05" }]);
    expect(stripAnsi(lastFrame() ?? "")).toContain("quarantined r01n05: no new jobs there");
    expect(stripAnsi(lastFrame() ?? "")).toMatch(/^r01 [■·]{5}▣/m);
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
  });

  it("draws sparklines scaled to their maximum", () => {
    expect(sparkline([0, 0.5, 1], 10, 1)).toBe("▁▅█");
    expect(sparkline([1, 2, 3, 4], 2)).toBe("▆█");
  });
});
