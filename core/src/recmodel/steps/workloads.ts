import type { ConditionChange } from '../conditions.ts';
import { condition, type Draft, event } from '../draft.ts';

/** Serving runs Production at the spec's replicas. */
export function rollServing(draft: Draft): void {
  const { production, spec, world, previous } = draft;
  if (!production) {
    draft.status.targetVersion = undefined;
    const message = draft.busy
      ? 'no Production model yet; the first one is training'
      : 'no Production model; retrain to create one';
    condition(draft, { type: 'Ready', status: 'False', reason: 'NoProduction', message });
    return;
  }
  const { serving } = world;
  const scaledToZero = spec.serving.replicas === 0;
  const replicasMatch = serving.replicas === undefined || serving.replicas === spec.serving.replicas;
  const rolled = scaledToZero
    ? !serving.running && replicasMatch
    : serving.running && serving.version === production && replicasMatch && !serving.outdated;
  if (!rolled) {
    const { replicas, port, image, resources, foldInUsers, eventStream } = spec.serving;
    draft.actions.push({
      type: 'rollServing',
      version: production,
      replicas,
      port,
      image,
      resources,
      foldInUsers,
      eventStream,
    });
    if (!scaledToZero && previous.targetVersion !== production && serving.version !== production)
      event(draft, 'Normal', 'RollingServing', `rolling serving to ${production}`);
  }
  const ready = rolled && serving.ready && !scaledToZero;
  draft.status.targetVersion = ready || scaledToZero ? undefined : production;
  condition(draft, readiness(scaledToZero, ready, production, spec.serving.replicas));
}

function readiness(scaledToZero: boolean, ready: boolean, production: string, replicas: number): ConditionChange {
  if (scaledToZero)
    return { type: 'Ready', status: 'False', reason: 'ScaledToZero', message: 'spec.serving.replicas is 0' };
  if (ready)
    return {
      type: 'Ready',
      status: 'True',
      reason: 'Serving',
      message: `serving ${production} with ${replicas} replica(s)`,
    };
  return { type: 'Ready', status: 'False', reason: 'RollingOut', message: `serving is rolling to ${production}` };
}

/** The site, when enabled. */
export function runFrontend(draft: Draft): void {
  const { frontend } = draft.spec;
  if (frontend.enabled && !draft.world.frontend.running)
    draft.actions.push({ type: 'runFrontend', port: frontend.port, image: frontend.image });
  if (!frontend.enabled && draft.world.frontend.running) draft.actions.push({ type: 'stopFrontend' });
}
