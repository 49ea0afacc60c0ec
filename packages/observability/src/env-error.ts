/** One bad environment variable and what is wrong with it. */
export interface EnvIssue {
  readonly variable: string;
  readonly problem: string;
}

/**
 * The configuration in the environment is invalid. Lists every bad variable at once, so an
 * operator fixes them all in one go. Check with `EnvError.is(error)`, not `instanceof`: the check
 * must hold across copies of this package.
 */
export class EnvError extends Error {
  static readonly code = 'ERR_INVALID_ENV';
  readonly code = EnvError.code;
  readonly issues: readonly EnvIssue[];

  constructor(issues: readonly EnvIssue[]) {
    const lines = issues.map((issue) => `  ${issue.variable}: ${issue.problem}`);
    super(`invalid environment:\n${lines.join('\n')}`);
    this.name = 'EnvError';
    this.issues = Object.freeze([...issues]);
  }

  static is(error: unknown): error is EnvError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as { code?: unknown }).code === EnvError.code &&
      Array.isArray((error as { issues?: unknown }).issues)
    );
  }
}
