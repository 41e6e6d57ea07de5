// The example services' own Go and Rust unit tests (failure peers, fault parsing, driver error
// texts), run from the suite so CI runs them too.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the example services' own tests", () => {
  it("go test ./... passes in examples/go", async () => {
    const { stdout } = await run("go", ["test", "./..."], { cwd: path.join(root, "examples/go"), maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toMatch(/^ok\s/m);
    expect(stdout).not.toMatch(/^FAIL/m);
  });

  it("cargo test passes in examples/rust", async () => {
    const { stdout } = await run("cargo", ["test", "--locked", "--quiet"], { cwd: path.join(root, "examples/rust"), maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toMatch(/test result: ok\. [1-9]\d* passed; 0 failed/);
  });
});
