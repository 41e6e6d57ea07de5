// The on-call commands: clients of Braid's public API.
import type { Command } from "commander";
import type { Action } from "../program.js";

export function registerOnCall(_program: Command, _wrap: (action: Action) => (...args: unknown[]) => Promise<void>): void {}
