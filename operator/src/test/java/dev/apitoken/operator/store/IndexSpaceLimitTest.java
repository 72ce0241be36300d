package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.testing.CapturedLogs;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The index space is finite: the operator warns well before its end and then refuses clearly. */
@EnableKubernetesMockClient(crud = true)
class IndexSpaceLimitTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  static KubernetesClient client;

  private ConfigMapIndexBlockStore store(long floor, List<Double> usage) {
    return new ConfigMapIndexBlockStore(
        new StateEntries(
            new Fabric8ConfigMaps(client), "ops", "state-" + NAMES.incrementAndGet(), Fence.OPEN),
        () -> floor,
        () -> floor,
        highWater -> {},
        Fence.OPEN,
        usage::add);
  }

  @Test
  void aBlockNeverStartsBelowTheFloorOfTheOtherSources() {
    ConfigMapIndexBlockStore store = store(5_000, new ArrayList<>());
    store.start();
    assertThat(store.reserveBlock(1024)).isEqualTo(5_000);
    assertThat(store.reserveBlock(1024)).isEqualTo(6_024);
  }

  @Test
  void itWarnsOnceFourFifthsOfTheIndexSpaceAreReserved() {
    List<Double> usage = new ArrayList<>();
    long nearlyFull = (long) (IndexSpace.CAPACITY * 0.8);
    ConfigMapIndexBlockStore store = store(nearlyFull, usage);
    store.start();
    int before = CapturedLogs.lines().size();
    store.reserveBlock(1024);
    assertThat(CapturedLogs.lines().subList(before, CapturedLogs.lines().size()))
        .anyMatch(line -> line.contains("event=index_space_nearly_used"));
    assertThat(usage).last().satisfies(ratio -> assertThat(ratio).isGreaterThanOrEqualTo(0.8));
  }

  @Test
  void anIndexBeyondTheSpaceIsNeverHandedOut() {
    ConfigMapIndexBlockStore store = store(IndexSpace.CAPACITY - 10, new ArrayList<>());
    store.start();
    assertThatThrownBy(() -> store.reserveBlock(1024))
        .isInstanceOf(ConfigMapIndexBlockStore.IndexSpaceExhausted.class)
        .hasMessageContaining("index space is used up");
  }
}
