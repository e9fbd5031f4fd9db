import { join } from "node:path";
import { GamedaySession, type GamedayCommand } from "../../runner/gameday/session.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { prepareScenario, type PreparedScenario } from "../../scenarios/prepare.js";
import type { ClusterScenario } from "../../scenarios/schema.js";

/** What the cluster game-day tests share: the bundled night shift (edited if asked) and a headless play of it. */

export const H = 3.6e9;

export async function nightShift(edit: (scenario: ClusterScenario) => ClusterScenario = (scenario) => scenario): Promise<PreparedScenario> {
  const loaded = await loadScenario("gameday-night-shift");
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return prepareScenario(edit(loaded.value as ClusterScenario), join(bundledScenarioDir(), "gameday-night-shift.yaml"));
}

/** Plays commands at given hours, advancing the clock in one go between them. */
export function play(prepared: PreparedScenario, actions: readonly [number, GamedayCommand][]) {
  const session = new GamedaySession(prepared, 11);
  for (const [hours, command] of actions) {
    session.advance(hours * H);
    session.apply(command);
  }
  session.advance(Infinity);
  return session.finish();
}
