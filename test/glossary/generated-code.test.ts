// The generated Go and Rust constants compile with this machine's toolchains (go vet/build,
// rustc -D warnings) and, when run, list exactly the catalogue's codes and retryable flags.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { glossaryYamlPath, readGlossaryFile } from "../../schemas/glossary/index.js";

const generated = path.join(path.dirname(glossaryYamlPath), "generated");
const glossary = readGlossaryFile();
const expected = glossary.entries.map((e) => `${e.code} ${e.retryable} ${e.class}`).join("\n");

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod", GOWORK: "off", ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

describe("generated Go constants", () => {
  it("pass go vet and gofmt in place", () => {
    run("go", ["vet", "./..."], path.join(generated, "go"));
    expect(run("gofmt", ["-l", "."], path.join(generated, "go")).trim()).toBe("");
  });

  it("build into a program that lists the catalogue", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "braid-glossary-go-"));
    mkdirSync(path.join(dir, "glossary"));
    copyFileSync(path.join(generated, "go", "glossary.go"), path.join(dir, "glossary", "glossary.go"));
    writeFileSync(path.join(dir, "go.mod"), "module check\n\ngo 1.21\n");
    writeFileSync(
      path.join(dir, "main.go"),
      `package main

import (
	"fmt"

	"check/glossary"
)

func main() {
	for _, c := range glossary.All {
		fmt.Printf("%s %t %s\\n", c, c.Retryable(), c.Info().Class)
	}
	if _, ok := glossary.Lookup("UNAVAILABLE.CONNECTION_REFUSED"); !ok {
		panic("lookup failed")
	}
}
`,
    );
    run("go", ["build", "-o", "check", "."], dir);
    expect(run(path.join(dir, "check"), [], dir).trim()).toBe(expected);
  });
});

describe("generated Rust constants", () => {
  it("compile as a single-file crate with warnings denied, and list the catalogue", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "braid-glossary-rs-"));
    run("rustc", ["--edition", "2021", "--crate-type", "lib", "--crate-name", "braid_glossary", "-D", "warnings", "--out-dir", dir, path.join(generated, "rust", "glossary.rs")], dir);
    writeFileSync(
      path.join(dir, "main.rs"),
      `use braid_glossary::{Class, Code};
fn main() {
    for c in Code::ALL {
        let class = match c.class() { Class::Transient => "transient", Class::CallerError => "caller_error", Class::ServerBug => "server_bug" };
        println!("{} {} {}", c, c.retryable(), class);
    }
    assert_eq!(Code::from_code("UNAVAILABLE.CONNECTION_REFUSED"), Some(Code::UnavailableConnectionRefused));
    assert_eq!(braid_glossary::codes::DEADLINE_EXCEEDED_CLIENT_TIMEOUT, "DEADLINE_EXCEEDED.CLIENT_TIMEOUT");
    print!("version {}", braid_glossary::VERSION);
}
`,
    );
    run("rustc", ["--edition", "2021", "-D", "warnings", "--extern", `braid_glossary=${path.join(dir, "libbraid_glossary.rlib")}`, "-o", path.join(dir, "check"), path.join(dir, "main.rs")], dir);
    const out = run(path.join(dir, "check"), [], dir);
    expect(out).toBe(`${expected}\nversion ${glossary.version}`);
  });
});
