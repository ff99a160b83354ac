/** One progress report: a stage name and how far it is. */
export interface Progress {
  stage: string;
  done: number;
  total: number;
  /** Shown instead of a percentage (e.g. "3.1 MB", "als 4/8"). */
  detail?: string;
}

/** A progress bar redrawn in place on a terminal (stderr); one plain line per stage otherwise (logs, CI). */
export function progressReporter(): { update: (progress: Progress) => void; done: () => void } {
  const stream = process.stderr;
  let lastStage = '';
  let drawn = false;
  return {
    update: ({ stage, done, total, detail }) => {
      if (stream.isTTY) {
        const share = total > 0 ? Math.min(1, done / total) : 0;
        const width = 30;
        const filled = Math.round(share * width);
        const amount = detail ?? `${Math.round(share * 100)}%`;
        stream.write(`\r${stage.padEnd(9)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${amount}   `);
        drawn = true;
      } else if (stage !== lastStage) {
        stream.write(`${stage}...\n`);
      }
      lastStage = stage;
    },
    done: () => {
      if (drawn) stream.write('\n');
    },
  };
}
