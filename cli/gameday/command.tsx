import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { gamedayDebrief, gamedayFinalJson } from "../../reports/postmortem.js";
import type { GamedayResult, LoggedCommand } from "../../runner/gameday/session.js";
import { openSession, replaySession } from "../../runner/gameday/play.js";
import { resolveScenarioPath } from "../../scenarios/library.js";
import { help, loadOrThrow, prepareOrThrow } from "../commands.js";
import { claimOutputFolder, fileSha256, readCheckedFile, writeResultFolder } from "../result-files.js";
import { UsageError, integerOption, parseCommandArgs } from "../usage.js";
import { GamedayController, SPEEDS, defaultSpeed } from "./controller.js";

/** session.json: what `--replay` needs to play the day again, command by command. */
const sessionSchema = z.strictObject({
  format: z.literal(1),
  scenarioFile: z.string(),
  scenarioHash: z.string(),
  seed: z.number().int().nonnegative(),
  strategy: z.string(),
  endUs: z.number().nonnegative(),
  commands: z.array(z.strictObject({ atUs: z.number().nonnegative(), command: z.looseObject({ kind: z.string() }) })),
});

/** Writes session.json, final.json and debrief.md together (a folder that is whole or absent). */
function saveDay(out: string, scenarioPath: string, result: GamedayResult, description: string): void {
  const session = {
    format: 1,
    scenarioFile: scenarioPath,
    scenarioHash: fileSha256(scenarioPath),
    seed: result.seed,
    strategy: result.strategy,
    endUs: result.endUs,
    commands: result.commands,
  };
  writeResultFolder(
    out,
    new Map([
      ["session.json", `${JSON.stringify(session, null, 2)}\n`],
      ["final.json", gamedayFinalJson(result)],
      ["debrief.md", gamedayDebrief(result, description)],
    ]),
  );
}

export async function gamedayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("gameday", args, {
    seed: { type: "string" },
    strategy: { type: "string" },
    speed: { type: "string" },
    paused: { type: "boolean" },
    out: { type: "string" },
    replay: { type: "string" },
    force: { type: "boolean" },
  });
  if (values.help === true) return help("gameday");
  const force = values.force === true;
  if (values.replay !== undefined) return replay(values.replay, values.out, force);
  if (positionals.length !== 1) throw new UsageError("gameday", "expects one scenario (a file or a bundled name), or --replay FILE");
  const speedOption = integerOption("gameday", "speed", values.speed, 1);
  if (speedOption !== undefined && !(SPEEDS as readonly number[]).includes(speedOption)) {
    throw new UsageError("gameday", `--speed is one of ${SPEEDS.join(", ")} (simulated seconds per second), got ${speedOption}`);
  }
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    throw new UsageError("gameday", "needs a terminal to play in (replay a saved day without one: --replay FILE)");
  }
  const file = positionals[0];
  const scenario = await loadOrThrow(file);
  const prepared = prepareOrThrow(scenario, file);
  const seed = integerOption("gameday", "seed", values.seed, 0) ?? scenario.seed;
  const strategies = scenario.strategies.map((strategy) => strategy.name);
  if (values.strategy !== undefined && !strategies.includes(values.strategy)) {
    throw new UsageError("gameday", `--strategy "${values.strategy}" is not in the scenario (it has: ${strategies.join(", ")})`);
  }
  const out = values.out ?? join("results", `${scenario.name}-gameday`);
  // Before the day is played: a folder it may not be saved to is refused now.
  claimOutputFolder(out, { command: "gameday", force, replace: true });
  const session = openSession(prepared, seed, values.strategy);
  const speed = speedOption ?? defaultSpeed(session);
  const controller = new GamedayController(session, { speed, paused: values.paused === true });
  let saved = false;
  const onQuit = () => {
    const result = controller.finish();
    saveDay(out, resolve(resolveScenarioPath(file)), result, scenario.description);
    saved = true;
  };
  // Ink and chalk read the environment when they load, hence the late import.
  playInTerminal(process.env);
  const [{ render }, { GamedayApp }] = await Promise.all([import("ink"), import("./app.js")]);
  const app = render(<GamedayApp controller={controller} onQuit={onQuit} />, { exitOnCtrlC: false });
  controller.start();
  await app.waitUntilExit();
  controller.stop();
  if (saved) process.stderr.write(`saved: ${out}/ (session.json, final.json, debrief.md); replay: faultline gameday --replay ${join(out, "session.json")}\n`);
  return 0;
}

/**
 * A game day is played in a terminal (checked before this), so it is interactive and
 * coloured whatever CI says: with CI (or CONTINUOUS_INTEGRATION) set at all, Ink draws
 * only its last frame and chalk turns colour off, and a first blind play lost a hot node
 * on a monochrome map that way. NO_COLOR (non-empty) still turns colour off, and
 * FORCE_COLOR, left to chalk, overrides both.
 */
export function playInTerminal(env: NodeJS.ProcessEnv): void {
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "" && env.FORCE_COLOR === undefined) env.FORCE_COLOR = "0";
}

/** Plays a saved day again without a terminal and writes its result next to it (or to --out). */
async function replay(sessionPath: string, outOption: string | undefined, force: boolean): Promise<number> {
  const out = outOption ?? join(dirname(sessionPath), "replay");
  claimOutputFolder(out, { command: "gameday", force, replace: true });
  const saved = readCheckedFile(sessionPath, sessionSchema);
  const scenario = await loadOrThrow(saved.scenarioFile);
  if (fileSha256(saved.scenarioFile) !== saved.scenarioHash) {
    process.stderr.write(`note: ${saved.scenarioFile} changed since the day was played; the replay may differ\n`);
  }
  const prepared = prepareOrThrow(scenario, saved.scenarioFile);
  const result = replaySession(prepared, saved.seed, saved.strategy, saved.commands as unknown as LoggedCommand[], saved.endUs);
  saveDay(out, saved.scenarioFile, result, scenario.description);
  process.stdout.write(gamedayFinalJson(result));
  process.stderr.write(`replayed ${saved.commands.length} commands: ${out}/ (final.json, debrief.md)\n`);
  return 0;
}
