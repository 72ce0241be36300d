package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.kubernetes.Failures;

/**
 * An {@link Error} thrown while reconciling, rethrown as an exception. JOSDK 5 retries and reports
 * (through updateErrorStatus) only {@link Exception}s; an Error escapes its executor and leaves the
 * ApiToken marked as in progress, so it is never reconciled again, not even to revoke it.
 */
final class ReconcileError extends RuntimeException implements Failures.InternalFailure {
  private final String errorType;

  ReconcileError(Error error) {
    // The Error's message is left out of ours: it may quote the input that caused it.
    super("reconciling failed with " + error.getClass().getName(), error);
    this.errorType = error.getClass().getSimpleName();
  }

  @Override
  public String errorType() {
    return errorType;
  }
}
