/** Where a CLI command writes: the terminal, or a running server's response when forwarded. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Progress bars redraw only on a terminal. */
  isTTY: boolean;
}

export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    readStdin: async () => {
      if (process.stdin.isTTY) return '';
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** Collects output in memory: used by forwarding and by tests. */
export function bufferIo(stdin = ''): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    readStdin: async () => stdin,
    isTTY: false,
  };
  return io;
}

export const printJson = (io: CliIo, value: unknown) => io.out(JSON.stringify(value) + '\n');

/** A plain aligned table; empty cells print as "-". */
export function printTable(io: CliIo, rows: Record<string, unknown>[], columns?: string[]) {
  if (rows.length === 0) return io.out('(none)\n');
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined || v === '' ? '-' : v instanceof Date ? v.toISOString() : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  io.out(line(cols));
  io.out(line(widths.map((w) => '─'.repeat(w))));
  for (const r of rows) io.out(line(cols.map((c) => cell(r[c]))));
}

/** A progress line on stderr: redrawn on a terminal, printed every ~10% otherwise. */
export function progress(io: CliIo, label: string, total?: number) {
  let lastDecile = -1;
  const started = Date.now();
  return {
    update(done: number, extra = '') {
      const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
      if (io.isTTY) {
        const bar = pct === undefined ? '' : `[${'#'.repeat(Math.floor(pct / 5)).padEnd(20, '.')}] ${pct}% `;
        io.err(`\r${label} ${bar}${done}${total ? `/${total}` : ''} ${extra}`.padEnd(79));
      } else {
        const decile = pct === undefined ? Math.floor(Math.log10(done + 1)) : Math.floor(pct / 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          io.err(`${label} ${done}${total ? `/${total}` : ''}${pct !== undefined ? ` (${pct}%)` : ''} ${extra}\n`);
        }
      }
    },
    done(summary: string) {
      if (io.isTTY) io.err('\r'.padEnd(80) + '\r');
      io.err(`${label} ${summary} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    },
  };
}
