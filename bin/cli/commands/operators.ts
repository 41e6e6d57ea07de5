// The operator commands.
import type { Command } from "commander";
import type { Action } from "../program.js";

export function registerOperators(_program: Command, _wrap: (action: Action) => (...args: unknown[]) => Promise<void>): void {}
