import { type ApiProblem, describeProblem } from '../lib/problem.ts';

/** A failed API call as a person reads it: what happened and what to do, never a stack trace. */
export function ErrorNotice({ problem, retryHref }: { problem: ApiProblem; retryHref?: string }) {
  const { title, detail } = describeProblem(problem);
  // A service still starting is a state to wait out, not a fault: it reads as a notice, not as an error.
  const tone = problem.code === 'model_not_ready' ? 'notice-info' : 'notice-error';
  return (
    <div class={`notice ${tone}`} role="alert" data-testid="error-notice" data-code={problem.code}>
      <p class="notice-title">{title}</p>
      <p>{detail}</p>
      {retryHref && (
        <p>
          <a href={retryHref}>Try again</a>
        </p>
      )}
    </div>
  );
}
