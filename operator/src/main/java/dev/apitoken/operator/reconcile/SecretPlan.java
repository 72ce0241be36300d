package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.token.SignedToken;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The token the Secret must hold after this reconciliation; handed to the dependent. */
record SecretPlan(SignedToken token) {
  private static final String KEY = SecretPlan.class.getName();

  void attachTo(Context<ApiToken> context) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  static SecretPlan from(Context<ApiToken> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(KEY, SecretPlan.class);
  }

  @Override
  public String toString() {
    return "SecretPlan[jti=" + token.claims().jti() + "]";
  }
}
