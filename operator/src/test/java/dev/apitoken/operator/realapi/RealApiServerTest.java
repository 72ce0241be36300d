package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealApiServerTest {
  @Test
  void missingBinariesFailTheSuiteNamingTheInstallScript(@TempDir Path dir) {
    assertThatThrownBy(() -> RealApiServer.start(dir.resolve("work"), dir.resolve("no-bin")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kube-apiserver")
        .hasMessageContaining("kube-controller-manager")
        .hasMessageContaining("`bash .ci/install-realapi.sh`");
  }
}
