package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@code helm install} prints after installing (NOTES.txt). */
class ChartNotesTest {
  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  /**
   * Every ApiToken carries a finalizer that only the running operator removes, so an uninstall that
   * deletes the CRD (or the ApiTokens) after the operator is gone hangs: the advice must delete the
   * ApiTokens before {@code helm uninstall}.
   */
  @ParameterizedTest(name = "crds.keep={0}")
  @ValueSource(booleans = {true, false})
  void uninstallAdviceDeletesTheApiTokensBeforeTheOperatorAndTheCrd(boolean keepCrd) {
    Helm.Result installed =
        helm.run(
            "install",
            "--dry-run",
            Helm.RELEASE,
            helm.chart().toString(),
            "--namespace",
            Helm.NAMESPACE,
            "--set",
            "crds.keep=" + keepCrd);
    assertThat(installed.exitCode()).as("%s", installed).isZero();
    String notes = installed.stdout().substring(installed.stdout().indexOf("NOTES:"));

    int deleteTokens = notes.indexOf("kubectl delete apitokens --all -A");
    int uninstall = notes.indexOf("helm uninstall " + Helm.RELEASE + " -n " + Helm.NAMESPACE);
    assertThat(deleteTokens).as(notes).isNotNegative();
    assertThat(uninstall).as(notes).isGreaterThan(deleteTokens);
    int deleteCrd = notes.indexOf("kubectl delete crd apitokens.apitoken.dev");
    if (keepCrd) {
      assertThat(deleteCrd).as(notes).isGreaterThan(uninstall);
    } else {
      assertThat(deleteCrd).as("helm uninstall deletes the CRD itself: %s", notes).isNegative();
    }
  }
}
