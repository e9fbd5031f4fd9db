import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MaxMinSolver, maxMinRates } from "../../models/fabric/max-min.js";
import { AssertionFailure } from "../../sim/assert.js";

const paths = (...lists: number[][]): Int32Array[] => lists.map((list) => Int32Array.from(list));
const gbps = (...values: number[]): Float64Array => Float64Array.from(values);

/**
 * Progressive filling written the slow, obvious way (O(F²·L)), to judge the heap-based
 * solver by: every round, the smallest of (link share, unfrozen demand) freezes.
 */
function referenceRates(flows: Int32Array[], capacities: Float64Array, demands?: Float64Array): number[] {
  const rates = flows.map(() => 0);
  const frozen = flows.map((path) => path.length === 0);
  flows.forEach((path, f) => {
    if (path.length === 0) rates[f] = demands?.[f] ?? Infinity;
  });
  const remaining = Array.from(capacities);
  for (;;) {
    let share = Infinity;
    let bottleneck = -1;
    for (let link = 0; link < capacities.length; link++) {
      const count = flows.filter((path, f) => !frozen[f] && path.includes(link)).length;
      if (count > 0 && remaining[link] / count < share) {
        share = remaining[link] / count;
        bottleneck = link;
      }
    }
    if (bottleneck < 0) return rates;
    let demandFlow = -1;
    flows.forEach((_, f) => {
      if (!frozen[f] && demands !== undefined && demands[f] <= share) {
        if (demandFlow < 0 || demands[f] < demands[demandFlow]) demandFlow = f;
      }
    });
    const freeze = (f: number, rate: number): void => {
      frozen[f] = true;
      rates[f] = rate;
      for (const link of flows[f]) remaining[link] = Math.max(0, remaining[link] - rate);
    };
    if (demandFlow >= 0) freeze(demandFlow, demands![demandFlow]);
    else flows.forEach((path, f) => !frozen[f] && path.includes(bottleneck) && freeze(f, share));
  }
}

describe("max-min fair sharing, hand-computed", () => {
  it("splits one 90 Gbps link evenly among three flows: 30 each", () => {
    expect(Array.from(maxMinRates(paths([0], [0], [0]), gbps(90)))).toEqual([30, 30, 30]);
  });

  it("parking lot: a long flow over A and B and one short flow on each get C/2 = 5 apiece", () => {
    // A (link 0) and B (link 1) each carry two flows: share 10/2 = 5 on both, all freeze.
    const rates = maxMinRates(paths([0, 1], [0], [1]), gbps(10, 10));
    expect(Array.from(rates)).toEqual([5, 5, 5]);
  });

  it("parking lot with two short flows on A: the long flow gets C/3, the short one on B the rest", () => {
    // A has three flows (10/3 each) and is the bottleneck; B then has 10 − 10/3 = 20/3 left
    // for its one unfrozen flow.
    const rates = maxMinRates(paths([0, 1], [0], [0], [1]), gbps(10, 10));
    expect(rates[0]).toBeCloseTo(10 / 3, 12);
    expect(rates[1]).toBeCloseTo(10 / 3, 12);
    expect(rates[2]).toBeCloseTo(10 / 3, 12);
    expect(rates[3]).toBeCloseTo(20 / 3, 12);
  });

  it("a flow bottlenecked elsewhere leaves its share to the others", () => {
    // Flow 0 crosses X (10 Gbps) and Y (100 Gbps); flows 1 and 2 cross Y only. Y's naive
    // share is 100/3 but X holds flow 0 to 10, so flows 1 and 2 split the other 90: 45.
    const rates = maxMinRates(paths([0, 1], [1], [1]), gbps(10, 100));
    expect(Array.from(rates)).toEqual([10, 45, 45]);
  });

  it("freezes a flow at its demand when that is below its share", () => {
    // 12 Gbps, three flows: a 2 Gbps cap leaves 10 for two (5 each); caps of 2 and 3 leave
    // 7; a cap of 10, above the fair share of 4, does not bind.
    const link = gbps(12);
    const three = paths([0], [0], [0]);
    expect(Array.from(maxMinRates(three, link, gbps(2, Infinity, Infinity)))).toEqual([2, 5, 5]);
    expect(Array.from(maxMinRates(three, link, gbps(2, 3, Infinity)))).toEqual([2, 3, 7]);
    expect(Array.from(maxMinRates(three, link, gbps(10, Infinity, Infinity)))).toEqual([4, 4, 4]);
  });

  it("gives 0 to flows over a failed (zero-capacity) link and the whole link to the rest", () => {
    const rates = maxMinRates(paths([0, 1], [1]), gbps(0, 10));
    expect(Array.from(rates)).toEqual([0, 10]);
  });

  it("gives a flow over no links its demand, or Infinity", () => {
    expect(Array.from(maxMinRates(paths([], [0]), gbps(10)))).toEqual([Infinity, 10]);
    expect(Array.from(maxMinRates(paths([], [0]), gbps(10), gbps(3, Infinity)))).toEqual([3, 10]);
    expect(maxMinRates([], gbps(10)).length).toBe(0);
  });

  it("refuses a path that crosses a link twice or an unknown link", () => {
    expect(() => maxMinRates(paths([0, 0]), gbps(10))).toThrow(AssertionFailure);
    expect(() => maxMinRates(paths([1]), gbps(10))).toThrow(AssertionFailure);
  });

  it("gives the same answer when the solver is reused on problems of different sizes", () => {
    const solver = new MaxMinSolver();
    const big = paths([0, 1], [1], [1], [2], [0, 2]);
    const first = Array.from(solver.solve(big, gbps(10, 100, 7)));
    expect(Array.from(solver.solve(paths([0], [0], [0]), gbps(90)))).toEqual([30, 30, 30]);
    expect(Array.from(solver.solve(big, gbps(10, 100, 7)))).toEqual(first);
  });
});

/** A random problem: links with capacities (some 0), flows over distinct links, maybe demands. */
const problem = fc
  .record({
    capacities: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.5, max: 400, noNaN: true })), {
      minLength: 1,
      maxLength: 8,
    }),
    flowSeeds: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), { maxLength: 14 }),
    demandSeeds: fc.option(fc.array(fc.oneof(fc.constant(Infinity), fc.double({ min: 0, max: 200, noNaN: true })), {
      minLength: 14,
      maxLength: 14,
    })),
  })
  .map(({ capacities, flowSeeds, demandSeeds }) => {
    const linkCount = capacities.length;
    const flows = flowSeeds.map((seeds) => Int32Array.from(new Set(seeds.map((seed) => seed % linkCount))));
    const demands = demandSeeds === null ? undefined : Float64Array.from(demandSeeds.slice(0, flows.length));
    return { capacities: Float64Array.from(capacities), flows, demands };
  });

const RELATIVE = 1e-9;

describe("max-min fair sharing, properties", () => {
  it("never puts a link over its capacity", () => {
    fc.assert(
      fc.property(problem, ({ capacities, flows, demands }) => {
        const rates = maxMinRates(flows, capacities, demands);
        for (let link = 0; link < capacities.length; link++) {
          let load = 0;
          flows.forEach((path, f) => {
            if (path.includes(link)) load += rates[f];
          });
          expect(load).toBeLessThanOrEqual(capacities[link] * (1 + RELATIVE) + 1e-12);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("bottlenecks every flow: it met its demand, or some saturated link on its path gives no flow more", () => {
    fc.assert(
      fc.property(problem, ({ capacities, flows, demands }) => {
        const rates = maxMinRates(flows, capacities, demands);
        flows.forEach((path, f) => {
          expect(rates[f]).toBeGreaterThanOrEqual(0);
          if (path.length === 0) return;
          const tolerance = (value: number): number => RELATIVE * Math.max(1, Math.abs(value));
          if (demands !== undefined && Math.abs(rates[f] - demands[f]) <= tolerance(demands[f])) return;
          const bottlenecked = Array.from(path).some((link) => {
            let load = 0;
            let fastest = 0;
            flows.forEach((other, g) => {
              if (!other.includes(link)) return;
              load += rates[g];
              fastest = Math.max(fastest, rates[g]);
            });
            const saturated = load >= capacities[link] - tolerance(capacities[link]);
            return saturated && rates[f] >= fastest - tolerance(fastest);
          });
          expect(bottlenecked).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with a naive progressive-filling reference", () => {
    fc.assert(
      fc.property(problem, ({ capacities, flows, demands }) => {
        const rates = maxMinRates(flows, capacities, demands);
        const expected = referenceRates(flows, capacities, demands);
        expected.forEach((rate, f) => {
          if (rate === Infinity) expect(rates[f]).toBe(Infinity);
          else expect(Math.abs(rates[f] - rate)).toBeLessThanOrEqual(1e-9 * Math.max(1, rate));
        });
      }),
      { numRuns: 500 },
    );
  });

  it("is deterministic: the same problem gives the same bytes", () => {
    fc.assert(
      fc.property(problem, ({ capacities, flows, demands }) => {
        const first = maxMinRates(flows, capacities, demands);
        const second = new MaxMinSolver().solve(flows, capacities, demands);
        expect(Buffer.from(second.buffer, second.byteOffset, second.byteLength)).toEqual(
          Buffer.from(first.buffer, first.byteOffset, first.byteLength),
        );
      }),
      { numRuns: 100 },
    );
  });
});
