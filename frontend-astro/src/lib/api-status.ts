import type { HealthResponse } from './api-types.ts';
import type { ApiResult } from './problem.ts';

export type ApiStatusKind = 'checking' | 'up' | 'loading' | 'down';
export interface ApiStatus {
  kind: ApiStatusKind;
  text: string;
}

export const CHECKING: ApiStatus = { kind: 'checking', text: 'Checking recommendations…' };

/**
 * What the header says about one `/health` answer, in people's words: recommendations online, starting (the
 * service answers but has no model yet), or offline. The model version is in the footer, not here.
 */
export function apiStatusFrom(result: ApiResult<HealthResponse>): ApiStatus {
  if (!result.ok) return { kind: 'down', text: 'Recommendations offline · retrying' };
  if (!result.data.model) return { kind: 'loading', text: 'Recommendations starting up' };
  return { kind: 'up', text: 'Recommendations online' };
}

/** Poll slower while all is well, faster while the API is away so the recovery shows soon. */
export function nextCheckMs(status: ApiStatus, pollMs: number): number {
  return status.kind === 'up' ? pollMs : Math.min(pollMs, 2000);
}
