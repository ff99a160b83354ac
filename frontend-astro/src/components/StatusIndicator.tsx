import { useEffect, useState } from 'preact/hooks';
import type { HealthResponse } from '../lib/api-types.ts';
import { fetchApi } from '../lib/client-api.ts';

type Status =
  | { kind: 'checking' }
  | { kind: 'up'; model: NonNullable<HealthResponse['model']> }
  | { kind: 'loading' }
  | { kind: 'down' };

function describe(status: Status): string {
  switch (status.kind) {
    case 'checking':
      return 'Checking the API…';
    case 'up':
      return `API up · model ${status.model.name} ${status.model.version}`;
    case 'loading':
      return 'API up · loading a model';
    case 'down':
      return 'API down · retrying';
  }
}

/** The live API status in the header: polls `/api/health`, faster while the API is down. */
export default function StatusIndicator({ pollMs = 5000 }: { pollMs?: number }) {
  const [status, setStatus] = useState<Status>({ kind: 'checking' });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const check = async () => {
      clearTimeout(timer);
      const result = await fetchApi<HealthResponse>('/health', undefined, 3000);
      if (stopped) return;
      const next: Status = !result.ok
        ? { kind: 'down' }
        : result.data.model
          ? { kind: 'up', model: result.data.model }
          : { kind: 'loading' };
      setStatus(next);
      timer = setTimeout(check, next.kind === 'up' ? pollMs : Math.min(pollMs, 2000));
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') void check();
    };
    void check();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [pollMs]);
  return (
    <p class={`api-status api-status-${status.kind}`} role="status" data-testid="api-status" data-state={status.kind}>
      <span class="api-dot" aria-hidden="true" />
      {describe(status)}
    </p>
  );
}
