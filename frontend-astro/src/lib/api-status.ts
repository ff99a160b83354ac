import type { HealthResponse } from './api-types.ts';
import type { ApiResult } from './problem.ts';

export type ApiStatusKind = 'checking' | 'up' | 'loading' | 'down';
export interface ApiStatus {
  kind: ApiStatusKind;
  text: string;
}

export const CHECKING: ApiStatus = { kind: 'checking', text: 'Checking the API…' };

/** What the header says about one `/health` answer: up with the model version, up without a model, or down. */
export function apiStatusFrom(result: ApiResult<HealthResponse>): ApiStatus {
  if (!result.ok) return { kind: 'down', text: 'API down · retrying' };
  const model = result.data.model;
  if (!model) return { kind: 'loading', text: 'API up · loading a model' };
  return { kind: 'up', text: `API up · model ${model.name} ${model.version}` };
}

/** Poll slower while all is well, faster while the API is away so the recovery shows soon. */
export function nextCheckMs(status: ApiStatus, pollMs: number): number {
  return status.kind === 'up' ? pollMs : Math.min(pollMs, 2000);
}
