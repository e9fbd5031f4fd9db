import { describe, expect, it } from "vitest";
import { benchStorage } from "./bench-storage.js";

describe("storage bench", () => {
  // Speed is measured by `npm run bench`, not asserted here; this checks the bench runs.
  it("completes all 100,000 transfers", () => {
    const figures = benchStorage();
    expect(figures.transfers).toBe(100_000);
  });
});
