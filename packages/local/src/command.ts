/** What every CLI command gets: its arguments, and the streams to write to (stdout is data, stderr is talk). */
export interface CommandContext {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Command {
  readonly name: string;
  /** Full usage for `drift NAME --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throw a UsageError for bad flags. */
  run(ctx: CommandContext): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
