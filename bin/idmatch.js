#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so there is no separate build step to forget.
// OMP_WAIT_POLICY must be set before FAISS's OpenMP runtime starts: busy-waiting OpenMP threads fight
// OpenBLAS's threads on a 2-core machine and make searches erratic.
import { register } from 'tsx/esm/api';

process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
register();
await import('../cli/main.ts');
