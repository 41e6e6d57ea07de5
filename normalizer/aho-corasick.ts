// Multi-pattern substring search (Aho–Corasick), compiled to a dense ASCII automaton: finds which
// of many lowercase literals occur in a text in one pass, one array lookup per character,
// case-insensitively (A–Z fold to a–z in the table), without lowercasing the text first. So the
// glossary's ~250 patterns cost one scan per message instead of a substring search each.
// Literals must be lowercase ASCII (the glossary schema enforces it); any non-ASCII character in a
// text restarts the automaton, which is exact for ASCII literals.

const ALPHABET = 128;

export class AhoCorasick {
  /** delta[state * 128 + char] = next state, with failure transitions folded in. */
  private readonly delta: Int32Array;
  /** Literal ids ending at each state (including those reached through failure links). */
  private readonly output: (readonly number[])[];

  constructor(literals: readonly string[]) {
    const goto: Map<number, number>[] = [new Map()];
    const output: number[][] = [[]];
    literals.forEach((literal, id) => {
      let state = 0;
      for (let i = 0; i < literal.length; i++) {
        const c = literal.charCodeAt(i);
        if (c >= ALPHABET) throw new Error(`glossary literal ${JSON.stringify(literal)} is not ASCII`);
        let next = goto[state]!.get(c);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          output.push([]);
          goto[state]!.set(c, next);
        }
        state = next;
      }
      output[state]!.push(id);
    });
    const states = goto.length;
    const delta = new Int32Array(states * ALPHABET);
    const fail = new Int32Array(states);
    // Breadth-first, so a state's failure target is complete before the state itself.
    const queue: number[] = [];
    for (const [c, child] of goto[0]!) {
      delta[c] = child;
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const f = fail[state]!;
      if (output[f]!.length) output[state] = output[state]!.concat(output[f]!);
      for (let c = 0; c < ALPHABET; c++) {
        const child = goto[state]!.get(c);
        if (child !== undefined) {
          fail[child] = delta[f * ALPHABET + c]!;
          delta[state * ALPHABET + c] = child;
          queue.push(child);
        } else {
          delta[state * ALPHABET + c] = delta[f * ALPHABET + c]!;
        }
      }
    }
    // Case-insensitive: an upper-case letter moves like its lower-case form.
    for (let s = 0; s < states; s++) for (let c = 65; c <= 90; c++) delta[s * ALPHABET + c] = delta[s * ALPHABET + c + 32]!;
    this.delta = delta;
    this.output = output;
  }

  /** Calls onMatch(id) for every occurrence of every literal in text[0, end) (ids may repeat). */
  scan(text: string, end: number, onMatch: (id: number) => void): void {
    const { delta, output } = this;
    let state = 0;
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      state = c < ALPHABET ? delta[state * ALPHABET + c]! : 0;
      if (state !== 0) {
        const out = output[state]!;
        for (let k = 0; k < out.length; k++) onMatch(out[k]!);
      }
    }
  }
}
