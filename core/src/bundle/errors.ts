/** A bundle that cannot be written or trusted: `file` names the bundle file at fault when there is one. */
export class BundleError extends Error {
  readonly file: string | undefined;

  constructor(message: string, where: { file?: string } = {}) {
    super(message);
    this.name = 'BundleError';
    this.file = where.file;
  }
}
