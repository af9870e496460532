#!/usr/bin/env node
// `soc-collector` command: the CLI is TypeScript run through tsx, like the rest of the platform.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
