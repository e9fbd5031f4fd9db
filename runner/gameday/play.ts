import { GamedaySession, type GamedayBase, type GamedayResult, type LoggedCommand } from "./session.js";
import type { PreparedScenario } from "../../scenarios/prepare.js";
import { isServiceScenario } from "../../scenarios/schema.js";
import { ServiceGamedaySession } from "./service-session.js";

/** A game day on the scenario, whichever kind it is: a cluster's or a service's. */
export function openSession(prepared: PreparedScenario, seed: number, strategy?: string): GamedayBase {
  return isServiceScenario(prepared.scenario)
    ? new ServiceGamedaySession(prepared.scenario, seed, strategy)
    : new GamedaySession(prepared, seed, strategy);
}

/** Plays a logged session again, without a view: the same commands at the same times. */
export function replaySession(prepared: PreparedScenario, seed: number, strategy: string, commands: readonly LoggedCommand[], endUs: number): GamedayResult {
  const session = openSession(prepared, seed, strategy);
  for (const logged of commands) {
    session.advance(logged.atUs);
    session.apply(logged.command);
  }
  session.advance(endUs);
  return session.finish();
}
