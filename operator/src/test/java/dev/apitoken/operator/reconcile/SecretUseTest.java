package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.reconcile.TokenConsumers.Use;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a Pod can read a Secret, and whether a restart is needed to see a new value. */
class SecretUseTest {
  private static final String SECRET = "api-token";

  static Stream<Arguments> podSpecs() {
    return Stream.of(
        Arguments.of("secret volume", ConsumerNotificationTest.volume(SECRET), Use.VOLUME),
        Arguments.of("projected volume", ConsumerNotificationTest.projected(SECRET), Use.VOLUME),
        Arguments.of("envFrom", ConsumerNotificationTest.envFrom(SECRET), Use.ENV),
        Arguments.of(
            "init container secretKeyRef",
            ConsumerNotificationTest.initContainerSecretKeyRef(SECRET),
            Use.ENV),
        Arguments.of(
            "ephemeral container envFrom",
            new PodSpecBuilder()
                .addToContainers(new ContainerBuilder().withName("app").build())
                .addToEphemeralContainers(
                    new EphemeralContainerBuilder()
                        .withName("debug")
                        .addNewEnvFrom()
                        .withNewSecretRef()
                        .withName(SECRET)
                        .endSecretRef()
                        .endEnvFrom()
                        .build())
                .build(),
            Use.ENV),
        Arguments.of(
            "volume and env: env decides, as it needs a restart",
            new PodSpecBuilder(ConsumerNotificationTest.volume(SECRET))
                .addToContainers(
                    new ContainerBuilder()
                        .withName("side")
                        .addNewEnv()
                        .withName("T")
                        .withNewValueFrom()
                        .withNewSecretKeyRef()
                        .withName(SECRET)
                        .withKey("token")
                        .endSecretKeyRef()
                        .endValueFrom()
                        .endEnv()
                        .build())
                .build(),
            Use.ENV),
        Arguments.of("another Secret", ConsumerNotificationTest.volume("other"), Use.NONE),
        Arguments.of(
            "env from a ConfigMap and a plain value",
            new PodSpecBuilder()
                .addToContainers(
                    new ContainerBuilder()
                        .withName("app")
                        .addNewEnv()
                        .withName("A")
                        .withValue(SECRET)
                        .endEnv()
                        .addNewEnvFrom()
                        .withNewConfigMapRef()
                        .withName(SECRET)
                        .endConfigMapRef()
                        .endEnvFrom()
                        .build())
                .build(),
            Use.NONE),
        Arguments.of("no spec", null, Use.NONE),
        Arguments.of("empty spec", new PodSpec(), Use.NONE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("podSpecs")
  void findsHowAPodReadsTheSecret(String description, PodSpec spec, Use expected) {
    assertThat(TokenConsumers.use(spec, SECRET)).isEqualTo(expected);
  }
}
