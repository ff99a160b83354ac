import type { Draft } from '../draft.ts';

/**
 * The retrain and report schedules follow the spec: in a cluster they are CronJobs, locally the runtime's own
 * timer. The runtime reports whether what it keeps still matches the spec; an outdated one is (re)scheduled,
 * and a schedule the spec no longer has is removed (schedule: null).
 */
export function keepSchedules(draft: Draft): void {
  const { spec, world } = draft;
  if (world.schedules.retrain === 'outdated')
    draft.actions.push({ type: 'schedule', job: 'retrain', schedule: spec.schedule ?? null });
  if (world.schedules.report === 'outdated')
    draft.actions.push({
      type: 'schedule',
      job: 'report',
      schedule: spec.report.enabled ? spec.report.schedule : null,
    });
}

/** The report, once per slot; the first slot seen is adopted, as a CronJob skips slots missed before it existed. */
export function writeReports(draft: Draft): void {
  const { spec, world, previous } = draft;
  if (!spec.report.enabled || !world.reportSlot) return;
  if (previous.lastReportSlot !== undefined && world.reportSlot !== previous.lastReportSlot) {
    const { since, format } = spec.report;
    draft.actions.push({ type: 'writeReport', slot: world.reportSlot, since, format });
  }
  draft.status.lastReportSlot = world.reportSlot;
}
