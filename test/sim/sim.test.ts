import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionFailure } from "../../sim/assert.js";
import { Interrupt, Sim, type ProcessBody, type Signal } from "../../sim/sim.js";

describe("Sim callbacks", () => {
  it("runs callbacks at their times with their arguments", () => {
    const sim = new Sim({ seed: 1 });
    const log: [string, number][] = [];
    const note = (what: string): void => {
      log.push([what, sim.now]);
    };
    sim.schedule(10, note, "b");
    sim.schedule(5, note, "a");
    sim.schedule(10, note, "c");
    sim.scheduleAt(7, note, "at-7");
    sim.run();
    expect(log).toEqual([
      ["a", 5],
      ["at-7", 7],
      ["b", 10],
      ["c", 10],
    ]);
    expect(sim.now).toBe(10);
    expect(sim.eventsRun).toBe(4);
    expect(sim.pendingCount).toBe(0);
  });

  it("passes undefined when scheduled without an argument", () => {
    const sim = new Sim({ seed: 1 });
    const args: unknown[] = [];
    sim.schedule(1, (arg) => args.push(arg));
    sim.run();
    expect(args).toEqual([undefined]);
  });

  it("runs a zero-delay event scheduled from a callback after events already due now", () => {
    const sim = new Sim({ seed: 1 });
    const log: string[] = [];
    sim.schedule(3, () => {
      log.push("first");
      sim.schedule(0, () => log.push("spawned"));
    });
    sim.schedule(3, () => log.push("second"));
    sim.run();
    expect(log).toEqual(["first", "second", "spawned"]);
  });

  it("cancels a scheduled callback, and reports whether it did", () => {
    const sim = new Sim({ seed: 1 });
    const log: string[] = [];
    const handle = sim.schedule(5, () => log.push("cancelled"));
    const ran = sim.schedule(1, () => log.push("ran"));
    expect(sim.pendingCount).toBe(2);
    expect(sim.cancel(handle)).toBe(true);
    expect(sim.pendingCount).toBe(1);
    expect(sim.cancel(handle)).toBe(false);
    sim.run();
    expect(log).toEqual(["ran"]);
    expect(sim.cancel(ran)).toBe(false);
    expect(sim.eventsRun).toBe(1); // the cancelled entry is not counted as run
    expect(sim.now).toBe(1);
  });

  it("lets a callback cancel a later event at the same time", () => {
    const sim = new Sim({ seed: 1 });
    const log: string[] = [];
    let victim = -1;
    sim.schedule(4, () => {
      log.push("killer");
      expect(sim.cancel(victim)).toBe(true);
    });
    victim = sim.schedule(4, () => log.push("victim"));
    sim.run();
    expect(log).toEqual(["killer"]);
  });
});

describe("Sim.run and stop", () => {
  it("runs events up to and including untilUs, then sets the clock to untilUs", () => {
    const sim = new Sim({ seed: 1 });
    const log: number[] = [];
    for (const t of [10, 20, 30]) sim.schedule(t, () => log.push(sim.now));
    sim.run(20);
    expect(log).toEqual([10, 20]);
    expect(sim.now).toBe(20);
    expect(sim.pendingCount).toBe(1);

    sim.run(25);
    expect(log).toEqual([10, 20]);
    expect(sim.now).toBe(25); // the clock moves even when no event ran

    sim.run();
    expect(log).toEqual([10, 20, 30]);
    expect(sim.now).toBe(30);
  });

  it("returns from run() on an empty queue, or one holding only cancelled events", () => {
    // Regression: peekTime() is Infinity when empty, which is <= the default untilUs.
    const sim = new Sim({ seed: 1 });
    sim.run();
    expect(sim.now).toBe(0);
    const handle = sim.schedule(10, () => {});
    sim.cancel(handle);
    sim.run();
    expect(sim.now).toBe(0);
    expect(sim.eventsRun).toBe(0);
    sim.run(50);
    expect(sim.now).toBe(50);
  });

  it("never moves the clock back when untilUs is in the past", () => {
    const sim = new Sim({ seed: 1 });
    sim.run(100);
    expect(sim.now).toBe(100);
    sim.run(50);
    expect(sim.now).toBe(100);
  });

  it("schedules relative to the clock after run(untilUs)", () => {
    const sim = new Sim({ seed: 1 });
    sim.run(1_000);
    const times: number[] = [];
    sim.schedule(5, () => times.push(sim.now));
    sim.run();
    expect(times).toEqual([1_005]);
  });

  it("stops after the current event, leaving the clock at that event", () => {
    const sim = new Sim({ seed: 1 });
    const log: string[] = [];
    sim.schedule(1, () => log.push("a"));
    sim.schedule(2, () => {
      log.push("stopper");
      sim.stop();
    });
    sim.schedule(2, () => log.push("same-time-after-stop"));
    sim.schedule(3, () => log.push("c"));
    sim.run(100);
    expect(log).toEqual(["a", "stopper"]);
    expect(sim.now).toBe(2); // stop wins over untilUs
    expect(sim.pendingCount).toBe(2);

    sim.run(); // a later run resumes where it stopped
    expect(log).toEqual(["a", "stopper", "same-time-after-stop", "c"]);
    expect(sim.now).toBe(3);
  });
});

describe("Sim processes", () => {
  it("tells a story of two processes sharing a clock (SimPy style)", () => {
    // SimPy's car example: park 5, drive 2, repeat; a second car starts at 3.
    const sim = new Sim({ seed: 1 });
    const log: [string, string, number][] = [];
    function* car(name: string, parkUs: number, driveUs: number): ProcessBody {
      for (let trip = 0; trip < 2; trip++) {
        log.push([name, "park", sim.now]);
        yield sim.timeout(parkUs);
        log.push([name, "drive", sim.now]);
        yield sim.timeout(driveUs);
      }
      log.push([name, "home", sim.now]);
    }
    sim.process(car("a", 5, 2));
    sim.schedule(3, () => sim.process(car("b", 1, 4)));
    sim.run();
    expect(log).toEqual([
      ["a", "park", 0],
      ["b", "park", 3],
      ["b", "drive", 4],
      ["a", "drive", 5],
      ["a", "park", 7],
      ["b", "park", 8],
      ["b", "drive", 9],
      ["a", "drive", 12],
      ["b", "home", 13],
      ["a", "home", 14],
    ]);
  });

  it("starts a process body at the current time, after events already due", () => {
    const sim = new Sim({ seed: 1 });
    const log: string[] = [];
    sim.schedule(0, () => log.push("callback"));
    sim.process(
      (function* (): ProcessBody {
        log.push(`process@${sim.now}`);
      })(),
    );
    expect(log).toEqual([]); // nothing runs before run()
    sim.run();
    expect(log).toEqual(["callback", "process@0"]);
  });

  it("wakes signal waiters in the order they waited, with the signal's value", () => {
    const sim = new Sim({ seed: 1 });
    const ready = sim.signal();
    const log: [string, unknown, number][] = [];
    function* waiter(name: string): ProcessBody {
      const value = yield ready;
      log.push([name, value, sim.now]);
    }
    sim.process(waiter("first"));
    sim.process(waiter("second"));
    sim.schedule(8, () => ready.trigger("go"));
    sim.run();
    expect(log).toEqual([
      ["first", "go", 8],
      ["second", "go", 8],
    ]);
    expect(ready.triggered).toBe(true);
    expect(ready.value).toBe("go");
  });

  it("resumes a process that waits on an already-triggered signal at once", () => {
    const sim = new Sim({ seed: 1 });
    const ready = sim.signal();
    ready.trigger(99);
    const log: [unknown, number][] = [];
    sim.process(
      (function* (): ProcessBody {
        yield sim.timeout(4);
        log.push([yield ready, sim.now]);
      })(),
    );
    sim.run();
    expect(log).toEqual([[99, 4]]);
  });

  it("refuses to trigger a signal twice", () => {
    const sim = new Sim({ seed: 1 });
    const once = sim.signal();
    once.trigger();
    expect(() => once.trigger()).toThrow(AssertionFailure);
  });

  it("joins a child through process.done", () => {
    const sim = new Sim({ seed: 1 });
    const log: [string, number][] = [];
    function* child(): ProcessBody {
      yield sim.timeout(10);
      log.push(["child done", sim.now]);
    }
    function* parent(): ProcessBody {
      yield sim.timeout(2);
      const started = sim.process(child());
      log.push(["parent waits", sim.now]);
      yield started.done;
      log.push(["parent joined", sim.now]);
      expect(started.finished).toBe(true);
    }
    const p = sim.process(parent());
    sim.run();
    expect(log).toEqual([
      ["parent waits", 2],
      ["child done", 12],
      ["parent joined", 12],
    ]);
    expect(p.finished).toBe(true);
  });

  it("joins at once a process that had already finished", () => {
    const sim = new Sim({ seed: 1 });
    const quick = sim.process(
      (function* (): ProcessBody {
        yield sim.timeout(1);
      })(),
    );
    const log: number[] = [];
    sim.schedule(5, () => {
      expect(quick.finished).toBe(true);
      sim.process(
        (function* (): ProcessBody {
          yield quick.done;
          log.push(sim.now);
        })(),
      );
    });
    sim.run();
    expect(log).toEqual([5]);
  });

  it("rejects a process that yields a bad delay directly", () => {
    const sim = new Sim({ seed: 1 });
    sim.process(
      (function* (): ProcessBody {
        yield -3;
      })(),
    );
    expect(() => sim.run()).toThrow(AssertionFailure);
  });
});

describe("Process.interrupt", () => {
  it("throws Interrupt with its cause into a process waiting on a timeout", () => {
    const sim = new Sim({ seed: 1 });
    const log: [string, unknown, number][] = [];
    const worker = sim.process(
      (function* (): ProcessBody {
        try {
          yield sim.timeout(100);
          log.push(["timeout ended", null, sim.now]);
        } catch (error) {
          expect(error).toBeInstanceOf(Interrupt);
          log.push(["interrupted", (error as Interrupt).cause, sim.now]);
        }
        yield sim.timeout(500);
        log.push(["rested", null, sim.now]);
      })(),
    );
    sim.schedule(30, () => worker.interrupt("node-crash"));
    // Probe at the cancelled timeout's time: nothing must resume the worker there.
    sim.schedule(100, () => log.push(["probe", null, sim.now]));
    sim.run();
    expect(log).toEqual([
      ["interrupted", "node-crash", 30],
      ["probe", null, 100],
      ["rested", null, 530],
    ]);
    expect(worker.finished).toBe(true);
    expect(sim.pendingCount).toBe(0);
  });

  it("does not resume the process later from the cancelled timeout", () => {
    // The worker waits again, for a signal, after the interrupt. If the old timeout were
    // still live, it would resume the worker at 100 with an undefined value.
    const sim = new Sim({ seed: 1 });
    const go = sim.signal();
    const log: [string, unknown, number][] = [];
    const worker = sim.process(
      (function* (): ProcessBody {
        try {
          yield sim.timeout(100);
        } catch (error) {
          log.push(["interrupted", (error as Interrupt).cause, sim.now]);
        }
        const value = yield go;
        log.push(["woke", value, sim.now]);
      })(),
    );
    sim.schedule(10, () => worker.interrupt({ failure: "gpu-xid" }));
    sim.schedule(200, () => go.trigger("signal"));
    sim.run();
    expect(log).toEqual([
      ["interrupted", { failure: "gpu-xid" }, 10],
      ["woke", "signal", 200],
    ]);
  });

  it("throws Interrupt into a process waiting on a signal, and the signal no longer wakes it", () => {
    const sim = new Sim({ seed: 1 });
    const never = sim.signal();
    const log: [string, unknown, number][] = [];
    function* worker(): ProcessBody {
      try {
        yield never;
        log.push(["signalled", null, sim.now]);
      } catch (error) {
        expect(error).toBeInstanceOf(Interrupt);
        log.push(["interrupted", (error as Interrupt).cause, sim.now]);
      }
      yield sim.timeout(50);
      log.push(["after", null, sim.now]);
    }
    const victim = sim.process(worker());
    const bystander = sim.process(
      (function* (): ProcessBody {
        log.push(["bystander got", yield never, sim.now]);
      })(),
    );
    sim.schedule(20, () => victim.interrupt("preempted"));
    sim.schedule(30, () => never.trigger("late"));
    sim.run();
    expect(log).toEqual([
      ["interrupted", "preempted", 20],
      ["bystander got", "late", 30],
      ["after", null, 70],
    ]);
    expect(victim.finished).toBe(true);
    expect(bystander.finished).toBe(true);
  });

  it("wins over a signal wake-up already scheduled at the same time", () => {
    // The signal fires, queuing the resume; the interrupt at the same instant cancels it.
    const sim = new Sim({ seed: 1 });
    const ready = sim.signal();
    const log: [string, unknown][] = [];
    const worker = sim.process(
      (function* (): ProcessBody {
        try {
          log.push(["value", yield ready]);
        } catch (error) {
          log.push(["interrupted", (error as Interrupt).cause]);
        }
      })(),
    );
    sim.schedule(5, () => {
      ready.trigger("ok");
      worker.interrupt("crash");
    });
    sim.run();
    expect(log).toEqual([["interrupted", "crash"]]);
  });

  it("lets an uncaught Interrupt escape run, as a bug would", () => {
    const sim = new Sim({ seed: 1 });
    const worker = sim.process(
      (function* (): ProcessBody {
        yield sim.timeout(100);
      })(),
    );
    sim.schedule(1, () => worker.interrupt("boom"));
    expect(() => sim.run()).toThrow(Interrupt);
  });

  it("refuses to interrupt a finished process", () => {
    const sim = new Sim({ seed: 1 });
    const done = sim.process(
      (function* (): ProcessBody {
        yield sim.timeout(1);
      })(),
    );
    sim.run();
    expect(() => done.interrupt("late")).toThrow(AssertionFailure);
  });

  it("refuses to let a process interrupt itself", () => {
    // Before the fix the interrupt left the process's next wait live: it was resumed a
    // second time, from a signal that never fired.
    const sim = new Sim({ seed: 1 });
    function* reckless(): ProcessBody {
      yield sim.timeout(1);
      self.interrupt("self");
      yield sim.timeout(10);
    }
    const self = sim.process(reckless());
    expect(() => sim.run()).toThrow(AssertionFailure);
  });

  it("carries its cause in the message", () => {
    const interrupt = new Interrupt("node-crash");
    expect(interrupt.cause).toBe("node-crash");
    expect(interrupt.name).toBe("Interrupt");
    expect(interrupt.message).toBe("interrupted: node-crash");
    expect(interrupt).toBeInstanceOf(Error);
  });
});

describe("Sim asserts", () => {
  it("rejects negative and fractional delays", () => {
    const sim = new Sim({ seed: 1 });
    const noop = (): void => {};
    expect(() => sim.schedule(-1, noop)).toThrow(AssertionFailure);
    expect(() => sim.schedule(0.5, noop)).toThrow(AssertionFailure);
    expect(() => sim.schedule(Number.NaN, noop)).toThrow(AssertionFailure);
    expect(() => sim.timeout(-1)).toThrow(AssertionFailure);
    expect(() => sim.timeout(1.5)).toThrow(AssertionFailure);
    expect(sim.timeout(0)).toBe(0);
    expect(sim.pendingCount).toBe(0); // nothing was queued by the failed calls
  });

  it("rejects scheduleAt in the past or between microseconds", () => {
    const sim = new Sim({ seed: 1 });
    const noop = (): void => {};
    sim.run(100);
    expect(() => sim.scheduleAt(99, noop)).toThrow(AssertionFailure);
    expect(() => sim.scheduleAt(100.25, noop)).toThrow(AssertionFailure);
    expect(() => sim.scheduleAt(100, noop)).not.toThrow();
  });

  it("rejects a fractional master seed", () => {
    expect(() => new Sim({ seed: 1.5 })).toThrow(AssertionFailure);
  });
});

describe("Sim records", () => {
  it("stamps each record with the time it was made", () => {
    const sim = new Sim({ seed: 1 });
    sim.schedule(0, () => sim.record({ kind: "SimStarted" }));
    sim.schedule(7, () => sim.record({ kind: "NodeCrashed", source: "r03n17" }));
    sim.process(
      (function* (): ProcessBody {
        yield sim.timeout(12);
        sim.record({ kind: "JobFinished", jobId: 4 });
      })(),
    );
    sim.run();
    expect(sim.records).toEqual([
      { timeUs: 0, kind: "SimStarted" },
      { timeUs: 7, kind: "NodeCrashed", source: "r03n17" },
      { timeUs: 12, kind: "JobFinished", jobId: 4 },
    ]);
  });

  it("keeps no records when asked not to", () => {
    const sim = new Sim({ seed: 1, keepRecords: false });
    sim.schedule(1, () => sim.record({ kind: "NodeCrashed" }));
    sim.run();
    expect(sim.records).toEqual([]);
  });
});

describe("Sim determinism and time", () => {
  /**
   * A random workload: callbacks that reschedule themselves and processes that wait on
   * delays and on signals triggered by callbacks, all driven by named streams.
   */
  function runWorkload(seed: number, spawnCount: number): { times: number[]; records: unknown[] } {
    const sim = new Sim({ seed });
    const times: number[] = [];
    const rng = sim.rng("test.workload");
    const signals: Signal[] = [];
    const onTick = (depth: number): void => {
      times.push(sim.now);
      sim.record({ kind: "Ticked", depth });
      if (signals.length > 0 && rng.random() < 0.3) {
        const signal = signals.shift()!;
        signal.trigger(depth);
      }
      if (depth < 6) {
        for (let i = rng.integer(0, 2); i > 0; i--) sim.schedule(rng.integer(0, 50), onTick, depth + 1);
      }
    };
    function* worker(id: number): ProcessBody {
      const own = sim.rng(`test.worker.${id}`);
      for (let step = 0; step < 5; step++) {
        times.push(sim.now);
        if (own.random() < 0.5) {
          yield sim.timeout(own.integer(0, 30));
        } else {
          const signal = sim.signal();
          signals.push(signal);
          yield signal;
        }
        sim.record({ kind: "WorkerStepped", id, step });
      }
    }
    for (let i = 0; i < spawnCount; i++) {
      sim.schedule(rng.integer(0, 20), onTick, 0);
      sim.process(worker(i));
    }
    sim.run();
    return { times, records: sim.records };
  }

  it("never lets time go backwards, over random workloads", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 8 }), (seed, spawnCount) => {
        const { times, records } = runWorkload(seed, spawnCount);
        for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
        const stamps = records.map((r) => (r as { timeUs: number }).timeUs);
        for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]);
      }),
      { seed: 424242, numRuns: 200 },
    );
  });

  it("runs each callback exactly at the time it was scheduled for", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 200 }), (delays) => {
        const sim = new Sim({ seed: 1 });
        const late: number[] = [];
        for (const delay of delays) {
          sim.schedule(delay, (due: number) => {
            if (sim.now !== due) late.push(due);
          }, delay);
        }
        sim.run();
        expect(late).toEqual([]);
        expect(sim.eventsRun).toBe(delays.length);
      }),
      { seed: 99, numRuns: 100 },
    );
  });

  it("gives the same records for the same seed", () => {
    const first = runWorkload(12345, 6);
    const second = runWorkload(12345, 6);
    expect(JSON.stringify(second.records)).toBe(JSON.stringify(first.records));
    const other = runWorkload(12346, 6);
    expect(JSON.stringify(other.records)).not.toBe(JSON.stringify(first.records));
  });
});
