/** A rule that cannot be honoured exactly is refused with this error; `reason` is shown to the author. */
export class RuleError extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = 'RuleError';
  }
}

export function fail(reason: string): never {
  throw new RuleError(reason);
}
