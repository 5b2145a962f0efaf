import type { ApiProblem } from './api';
import { useConsole } from './context';
import { refusal } from './i18n';

/** Why Turnout refused a change, in the reader's language, next to the form that asked for it; the code for whoever reports it. */
export function Refusal(props: { problem: ApiProblem | null }) {
  const { t } = useConsole();
  if (!props.problem) return null;
  return (
    <div role="alert" class="problem">
      <strong>{t('refusedTitle')}</strong>
      <p>
        {refusal(t, props.problem)} <span class="muted small">({props.problem.code})</span>
      </p>
    </div>
  );
}
