#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, resolving the repo's tsconfig paths from any cwd.
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = new URL('../', import.meta.url);
await tsImport('./cli/main.ts', { parentURL: root.href, tsconfig: fileURLToPath(new URL('tsconfig.json', root)) });
