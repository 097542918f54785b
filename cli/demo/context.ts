import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import cliProgress from 'cli-progress';

import type { IdmApp } from '../../api/types.js';

/** The shared reference data beside the project root, when this clone has it. */
export const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export function sharedPath(relative: string): string | null {
  const path = `${SHARED_DATA}${relative}`;
  return existsSync(path) ? path : null;
}

/** What every demo section gets: the in-process API, a key, and ways to print. */
export class DemoContext {
  constructor(
    readonly app: IdmApp,
    readonly key: string,
  ) {}

  headers() {
    return { authorization: `Bearer ${this.key}` };
  }

  async post(url: string, payload: unknown) {
    return this.postAs(null, url, payload);
  }

  /** POST with another key (e.g. a second reviewer); null means the demo's own key. */
  async postAs(key: string | null, url: string, payload: unknown) {
    const headers = key ? { authorization: `Bearer ${key}` } : this.headers();
    const response = await this.app.inject({ method: 'POST', url, headers, payload: payload as object });
    const body = response.json();
    if (response.statusCode >= 400) throw new Error(`${url}: ${body.code}: ${body.detail}`);
    return body;
  }

  async get(url: string) {
    return (await this.app.inject({ url, headers: this.headers() })).json();
  }

  /** Follows a queued job with a progress bar on stderr and returns its finished view. */
  async follow(title: string, jobId: string) {
    const bar = new cliProgress.SingleBar(
      { format: `  ${title.padEnd(28)} [{bar}] {percentage}%`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0);
    try {
      for (;;) {
        const view = await this.get(`/v1/jobs/${jobId}`);
        bar.update(view.progress ?? 0);
        if (view.state === 'completed') return view;
        if (view.state === 'failed') throw new Error(`${title} failed: ${view.error?.code}: ${view.error?.message}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    } finally {
      bar.stop();
    }
  }

  heading(text: string) {
    process.stdout.write(`\n== ${text}\n`);
  }

  line(text = '') {
    process.stdout.write(`${text}\n`);
  }

  table(columns: string[], rows: Array<Array<string | number>>) {
    const cells = [columns, ...rows.map((row) => row.map(String))];
    const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
    for (const [index, row] of cells.entries()) {
      this.line(`  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`);
      if (index === 0) this.line(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    }
  }
}
