import { Sim } from "../../sim/sim.js";

/**
 * The hold model (Vaucher and Duval, 1975): N events pending; each event, when it fires,
 * schedules one more at now + Exp(mean 1 s). The standard measure of a pending-event set.
 */
export interface HoldResult {
  readonly pending: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

const MEAN_US = 1_000_000;

export function holdCallbacks(pending: number, events: number, now: () => number): HoldResult {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const rng = sim.rng("bench.hold");
  const onEvent = (): void => {
    sim.schedule(Math.round(rng.exponential(MEAN_US)), onEvent);
  };
  for (let i = 0; i < pending; i++) sim.schedule(Math.round(rng.exponential(MEAN_US)), onEvent);
  sim.run(1); // warm the code paths
  const start = now();
  const target = sim.eventsRun + events;
  while (sim.eventsRun < target) sim.run(sim.now + 100 * MEAN_US);
  const seconds = (now() - start) / 1000;
  const ran = sim.eventsRun - (target - events);
  return { pending, events: ran, seconds, eventsPerSecond: ran / seconds };
}

export function holdProcesses(pending: number, events: number, now: () => number): HoldResult {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const rng = sim.rng("bench.hold");
  function* holder() {
    for (;;) yield sim.timeout(Math.round(rng.exponential(MEAN_US)));
  }
  for (let i = 0; i < pending; i++) sim.process(holder());
  sim.run(1);
  const start = now();
  const target = sim.eventsRun + events;
  while (sim.eventsRun < target) sim.run(sim.now + 100 * MEAN_US);
  const seconds = (now() - start) / 1000;
  const ran = sim.eventsRun - (target - events);
  return { pending, events: ran, seconds, eventsPerSecond: ran / seconds };
}
