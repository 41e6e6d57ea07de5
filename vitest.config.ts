import { defineConfig } from "vitest/config";

// Three projects, run one group after another:
//   unit         needs no services;
//   integration  runs against the real Kafka, Redis and chDB that scripts/test.sh starts;
//   e2e          runs the real Go and Rust services with Braid, alone, one file after another: on
//                two cores, anything running beside it would add latency noise to what it measures.
// Each test file runs in its own process (forks), which also gives each file its own chDB data
// directory (chDB allows one directory per process).
const integration = ["test/integration/**/*.test.ts", "test/emitters/**/*.test.ts"];
const e2e = ["test/e2e/**/*.test.ts"];

export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: ["node_modules/**", ".braid/**", "dist/**", ...integration, ...e2e],
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: integration,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "e2e",
          include: e2e,
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
