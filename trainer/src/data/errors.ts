/**
 * A data problem a person can act on: the file, the line when there is one, what was wrong and what was expected.
 * `message` is always one line so the CLI can print it as is.
 */
export class DataError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; line?: number } = {}) {
    const prefix = where.file ? `${where.file}${where.line ? ` line ${where.line}` : ''}: ` : '';
    super(`${prefix}${message}`.replace(/\s*\n\s*/g, ' '));
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
  }
}
