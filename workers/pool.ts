import type { TransferListItem } from 'node:worker_threads';

import { Piscina } from 'piscina';

import { IdmError } from '../engine/errors.js';
import type { CpuTask, CpuTaskFailure, CpuTaskResult } from './cpu-tasks.js';

/**
 * The CPU pool: every matcher, extractor and parser runs here, off the event loop of the API and of the
 * BullMQ worker. One thread per core; the pool, not the libraries inside it, owns the cores.
 */
export class CpuPool {
  readonly #piscina: Piscina;

  constructor(threads: number) {
    const entry = new URL(`./cpu-tasks${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    this.#piscina = new Piscina({
      filename: entry.href,
      minThreads: Math.max(1, Math.min(threads, 2)),
      maxThreads: Math.max(1, threads),
      // Sources run through tsx; worker threads need the same loader.
      execArgv: entry.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
    });
  }

  /** Runs a task; ports or buffers in `transferList` move to the thread instead of being copied. */
  async run<T extends CpuTask>(task: T, transferList?: TransferListItem[]): Promise<CpuTaskResult<T>> {
    const outcome = (await this.#piscina.run(task, transferList ? { transferList: transferList as never } : undefined)) as
      | CpuTaskResult<T>
      | CpuTaskFailure;
    // The input's fault stays the input's fault on this side of the thread boundary: same code, same message.
    if (outcome && typeof outcome === 'object' && 'idmError' in outcome) {
      const { code, message, details } = outcome.idmError;
      throw new IdmError(code, message, details);
    }
    return outcome as CpuTaskResult<T>;
  }

  get threads(): number {
    return this.#piscina.threads.length;
  }

  async close(): Promise<void> {
    await this.#piscina.close();
  }
}
