// Multi-pattern substring search (Aho–Corasick): finds which of many lowercase literals occur in a
// text in one pass over it, so the glossary's ~200 patterns cost one scan per message instead of
// one substring search each.

export class AhoCorasick {
  private readonly goto: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly output: number[][] = [[]];
  /** ASCII transitions from the root, the hottest state. */
  private readonly rootAscii = new Int32Array(128);

  constructor(literals: readonly string[]) {
    literals.forEach((literal, id) => {
      let state = 0;
      for (let i = 0; i < literal.length; i++) {
        const c = literal.charCodeAt(i);
        let next = this.goto[state]!.get(c);
        if (next === undefined) {
          next = this.goto.length;
          this.goto.push(new Map());
          this.fail.push(0);
          this.output.push([]);
          this.goto[state]!.set(c, next);
        }
        state = next;
      }
      this.output[state]!.push(id);
    });
    // Breadth-first: failure links point to the longest proper suffix that is a prefix of some literal.
    const queue: number[] = [];
    for (const child of this.goto[0]!.values()) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (const [c, child] of this.goto[state]!) {
        queue.push(child);
        let f = this.fail[state]!;
        while (f !== 0 && !this.goto[f]!.has(c)) f = this.fail[f]!;
        const target = this.goto[f]!.get(c);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        const inherited = this.output[this.fail[child]!]!;
        if (inherited.length) this.output[child] = this.output[child]!.concat(inherited);
      }
    }
    for (const [c, child] of this.goto[0]!) if (c < 128) this.rootAscii[c] = child;
  }

  /** Calls onMatch(id) for every occurrence of every literal in text (ids may repeat). */
  scan(text: string, onMatch: (id: number) => void): void {
    let state = 0;
    const { goto, fail, output, rootAscii } = this;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      for (;;) {
        if (state === 0) {
          state = c < 128 ? rootAscii[c]! : (goto[0]!.get(c) ?? 0);
          break;
        }
        const next = goto[state]!.get(c);
        if (next !== undefined) {
          state = next;
          break;
        }
        state = fail[state]!;
      }
      const out = output[state]!;
      for (let k = 0; k < out.length; k++) onMatch(out[k]!);
    }
  }
}
