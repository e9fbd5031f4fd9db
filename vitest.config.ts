import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Property tests and end-to-end runs take seconds; failures should say why, not time out.
    testTimeout: 60_000,
    pool: "forks",
    // Ink renders only its last frame under CI=true; the view's tests (and the CLI they
    // start in tmux) exercise it as a terminal user gets it.
    env: { CI: "false", CONTINUOUS_INTEGRATION: "false" },
  },
});
