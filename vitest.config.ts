import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Property tests and end-to-end runs take seconds; failures should say why, not time out.
    testTimeout: 60_000,
    pool: "forks",
  },
});
