// `braid check`: Braid's own decoders, normalizer and glossary, run offline over captured telemetry,
// so a producer's CI sees what Braid would do with its data (docs/braid-check.md).
export { runCheck, UNDECODED, type CheckOptions } from "./analyze.js";
export { readCheckFile, InputError, type CheckInput, type CheckMessage } from "./inputs.js";
export { loadPolicy, parsePolicy, applyPolicy, PolicyError } from "./policy.js";
export { renderJunit, renderText } from "./report.js";
