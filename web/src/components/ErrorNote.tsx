import { ApiError, detailLines, errorMessage } from '../api/http';

interface Props {
  error: unknown;
  testId?: string;
  id?: string;
}

/** An API error's `message`, plus a ValidationError's field-level `details`, announced to screen readers. */
export function ErrorNote({ error, testId, id }: Props) {
  if (error == null) return null;
  const details = error instanceof ApiError ? detailLines(error.details) : [];
  const message = typeof error === 'string' ? error : errorMessage(error);
  return (
    <div class="note note-error" role="alert" data-testid={testId} id={id}>
      <p>{message}</p>
      {details.length > 0 && (
        <ul class="note-details">
          {details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
