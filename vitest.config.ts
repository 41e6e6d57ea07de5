import { defineConfig } from "vitest/config";

// Two projects: "unit" needs no services; "integration" runs against the real Kafka, Redis and
// store that scripts/test.sh starts. Each test file runs in its own process (forks), which also
// gives each file its own chDB data directory (chDB allows one directory per process).
const integration = ["test/integration/**/*.test.ts", "test/emitters/**/*.test.ts", "test/e2e/**/*.test.ts"];

export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: ["node_modules/**", ".braid/**", "dist/**", ...integration],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: integration,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
