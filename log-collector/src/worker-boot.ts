/**
 * Source for `new Worker(code, { eval: true })` that loads a TypeScript worker module. Workers do not
 * inherit the tsx loader running this code: it is registered in the worker first (when installed).
 */
export function workerBootCode(entry: URL): string {
  const target = JSON.stringify(entry.href);
  let tsxApi: string | undefined;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    tsxApi = undefined;
  }
  return tsxApi ? `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${target}); })` : `import(${target})`;
}
