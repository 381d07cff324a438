/**
 * The innermost message of an error and its causes: what actually went wrong, without the
 * wrappers Temporal adds on the way from an activity to a client ("Workflow Update failed",
 * "Activity task failed"). Pure, so workflow code may use it.
 */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  while (current instanceof Error) {
    message = current.message;
    current = current.cause;
  }
  return message;
}
