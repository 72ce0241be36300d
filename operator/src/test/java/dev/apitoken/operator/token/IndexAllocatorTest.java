package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IndexAllocatorTest {

  @Test
  void handsOutConsecutiveIndicesFromABlock() {
    InMemoryIndexBlockStore store = new InMemoryIndexBlockStore();
    IndexAllocator allocator = new IndexAllocator(store, 4);

    assertThat(allocator.reservedUpTo()).isZero();
    assertThat(List.of(allocator.next(), allocator.next(), allocator.next()))
        .containsExactly(0L, 1L, 2L);
    assertThat(allocator.reservedUpTo()).isEqualTo(4);
    assertThat(store.nextFree()).isEqualTo(4);
  }

  @Test
  void reservesTheNextBlockOnlyWhenTheCurrentOneIsUsedUp() {
    CountingStore store = new CountingStore(new InMemoryIndexBlockStore());
    IndexAllocator allocator = new IndexAllocator(store, 3);

    List<Long> indices = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      indices.add(allocator.next());
    }

    assertThat(indices).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(store.reservations.get()).isEqualTo(3);
    assertThat(allocator.reservedUpTo()).isEqualTo(9);
  }

  @Test
  void aRestartedAllocatorNeverRepeatsAnIndex() {
    InMemoryIndexBlockStore store = new InMemoryIndexBlockStore();
    IndexAllocator beforeRestart = new IndexAllocator(store, 10);
    Set<Long> handedOut = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      handedOut.add(beforeRestart.next());
    }

    IndexAllocator afterRestart = new IndexAllocator(store, 10);
    for (int i = 0; i < 25; i++) {
      long index = afterRestart.next();
      assertThat(handedOut.add(index)).as("index %d handed out twice", index).isTrue();
    }
    // The unused rest of the first block is skipped, not reused.
    assertThat(handedOut).doesNotContain(3L, 9L).contains(10L, 34L);
  }

  @Test
  void startsWhereTheStoreSays() {
    IndexAllocator allocator = new IndexAllocator(new InMemoryIndexBlockStore(1000), 100);

    assertThat(allocator.next()).isEqualTo(1000);
    assertThat(allocator.reservedUpTo()).isEqualTo(1100);
  }

  @Test
  void concurrentCallersGetDistinctIndices() throws Exception {
    int threads = 16;
    int perThread = 2_000;
    IndexAllocator allocator = new IndexAllocator(new InMemoryIndexBlockStore(), 7);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Callable<List<Long>> caller =
            () -> {
              start.await();
              List<Long> mine = new ArrayList<>(perThread);
              for (int i = 0; i < perThread; i++) {
                mine.add(allocator.next());
              }
              return mine;
            };
        results.add(executor.submit(caller));
      }
      start.countDown();

      Set<Long> all = new HashSet<>();
      for (Future<List<Long>> result : results) {
        all.addAll(result.get(30, TimeUnit.SECONDS));
      }
      assertThat(all).hasSize(threads * perThread);
      assertThat(all).allMatch(index -> index >= 0 && index < allocator.reservedUpTo());
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void concurrentAllocatorsSharingAStoreGetDistinctIndices() throws Exception {
    InMemoryIndexBlockStore store = new InMemoryIndexBlockStore();
    List<IndexAllocator> allocators =
        List.of(
            new IndexAllocator(store, 5),
            new IndexAllocator(store, 3),
            new IndexAllocator(store, 8));
    ExecutorService executor = Executors.newFixedThreadPool(allocators.size());
    try {
      List<Future<List<Long>>> results = new ArrayList<>();
      for (IndexAllocator allocator : allocators) {
        results.add(
            executor.submit(
                () -> {
                  List<Long> mine = new ArrayList<>();
                  for (int i = 0; i < 5_000; i++) {
                    mine.add(allocator.next());
                  }
                  return mine;
                }));
      }
      Set<Long> all = new HashSet<>();
      for (Future<List<Long>> result : results) {
        all.addAll(result.get(30, TimeUnit.SECONDS));
      }
      assertThat(all).hasSize(15_000);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void rejectsANonPositiveBlockSize() {
    assertThatThrownBy(() -> new IndexAllocator(new InMemoryIndexBlockStore(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static final class CountingStore implements IndexBlockStore {
    private final IndexBlockStore delegate;
    private final AtomicInteger reservations = new AtomicInteger();

    CountingStore(IndexBlockStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public long reserveBlock(int size) {
      reservations.incrementAndGet();
      return delegate.reserveBlock(size);
    }
  }
}
