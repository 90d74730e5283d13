package io.jray.objectstore;

import static io.jray.objectstore.Allocator.ALIGNMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AllocatorTest {
  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final long GIB = 1024 * MIB;

  @Test
  void capacityIsRoundedDownAndMustHoldOneBlock() {
    assertThat(new Allocator(130).capacity()).isEqualTo(128);
    assertThat(new Allocator(64 * GIB).capacity()).isEqualTo(64 * GIB);
    assertThatThrownBy(() -> new Allocator(ALIGNMENT - 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Allocator(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Allocator(-ALIGNMENT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void allocatesAlignedBlocksAndFreesThem() {
    Allocator a = new Allocator(GIB);
    assertThat(a.used()).isZero();
    assertThat(a.available()).isEqualTo(GIB);
    assertThat(a.freeBlockCount()).isOne();
    assertThat(a.largestFreeBlock()).isEqualTo(GIB);

    long first = a.allocate(1);
    long second = a.allocate(100 * KIB + 1);
    long third = a.allocate(ALIGNMENT);
    assertThat(first).isZero();
    assertThat(a.allocatedSize(first)).isEqualTo(ALIGNMENT);
    assertThat(second).isEqualTo(ALIGNMENT);
    assertThat(a.allocatedSize(second)).isEqualTo(100 * KIB + ALIGNMENT);
    assertThat(third).isEqualTo(second + a.allocatedSize(second));
    assertThat(a.allocatedSize(third)).isEqualTo(ALIGNMENT);
    assertThat(List.of(first, second, third)).allMatch(o -> o % ALIGNMENT == 0);
    assertThat(a.allocatedCount()).isEqualTo(3);
    assertThat(a.used()).isEqualTo(100 * KIB + 3 * ALIGNMENT);
    assertThat(a.used() + a.available()).isEqualTo(GIB);
    assertThat(a.freeBlockCount()).isOne();

    a.free(second);
    assertThat(a.allocatedCount()).isEqualTo(2);
    assertThat(a.used()).isEqualTo(2 * ALIGNMENT);
    assertThat(a.freeBlockCount()).isEqualTo(2);
    // The hole is reused for a request that fits it, which keeps touched pages in use.
    assertThat(a.allocate(50 * KIB)).isEqualTo(second);

    assertThatThrownBy(() -> a.allocate(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.allocate(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void returnsMinusOneWhenFullAndRecoversAfterFree() {
    Allocator a = new Allocator(4 * GIB);
    List<Long> blocks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      blocks.add(a.allocate(GIB));
    }
    assertThat(blocks).containsExactly(0L, GIB, 2 * GIB, 3 * GIB);
    assertThat(a.available()).isZero();
    assertThat(a.freeBlockCount()).isZero();
    assertThat(a.largestFreeBlock()).isZero();
    assertThat(a.allocate(1)).isEqualTo(-1);
    assertThat(a.allocate(Long.MAX_VALUE)).isEqualTo(-1);

    a.free(blocks.get(1));
    assertThat(a.allocate(GIB + 1)).isEqualTo(-1);
    assertThat(a.allocate(GIB)).isEqualTo(GIB);

    // Enough bytes in total, but split in two holes: still -1.
    a.free(blocks.get(0));
    a.free(blocks.get(2));
    assertThat(a.available()).isEqualTo(2 * GIB);
    assertThat(a.allocate(2 * GIB)).isEqualTo(-1);
    a.free(GIB);
    assertThat(a.freeBlockCount()).isOne();
    assertThat(a.allocate(3 * GIB)).isZero();
    assertThat(a.used()).isEqualTo(4 * GIB);
  }

  @Test
  void badOffsetsAreRejectedWithoutChangingState() {
    Allocator a = new Allocator(GIB);
    long x = a.allocate(MIB);
    long y = a.allocate(MIB);
    a.allocate(MIB);
    a.free(x);
    long used = a.used();
    int freeBlocks = a.freeBlockCount();
    int allocatedCount = a.allocatedCount();

    assertThatThrownBy(() -> a.free(x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("double free");
    assertThatThrownBy(() -> a.free(y + ALIGNMENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not the start of an allocated block");
    assertThatThrownBy(() -> a.free(GIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside the arena");
    assertThatThrownBy(() -> a.free(-ALIGNMENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside the arena");
    assertThatThrownBy(() -> a.allocatedSize(x)).isInstanceOf(IllegalArgumentException.class);

    assertThat(a.used()).isEqualTo(used);
    assertThat(a.freeBlockCount()).isEqualTo(freeBlocks);
    assertThat(a.allocatedCount()).isEqualTo(allocatedCount);
    assertThat(a.allocatedSize(y)).isEqualTo(MIB);
  }

  @Test
  void bestFitPicksSmallestHoleThenLowestOffset() {
    long u = 100 * KIB;
    Allocator a = new Allocator(GIB);
    // Holes of 3u, 1u, 2u, 2u separated by live blocks, then the large tail.
    long h3 = a.allocate(3 * u);
    a.allocate(u);
    long h1 = a.allocate(u);
    a.allocate(u);
    long h2a = a.allocate(2 * u);
    a.allocate(u);
    long h2b = a.allocate(2 * u);
    a.allocate(u);
    for (long hole : List.of(h2b, h1, h3, h2a)) {
      a.free(hole);
    }
    assertThat(a.freeBlockCount()).isEqualTo(5);

    assertThat(a.allocate(u)).isEqualTo(h1);
    // Two equal 2u holes: the lower one wins, regardless of the order they were freed in.
    assertThat(a.allocate(2 * u - ALIGNMENT)).isEqualTo(h2a);
    assertThat(a.allocate(ALIGNMENT)).as("remainder of h2a is the smallest hole")
        .isEqualTo(h2a + 2 * u - ALIGNMENT);
    assertThat(a.allocate(u + 1)).isEqualTo(h2b);
    assertThat(a.allocate(3 * u)).isEqualTo(h3);
    assertThat(a.allocate(4 * u)).as("only the tail is left").isEqualTo(12 * u);
  }

  @Test
  void freeingEverythingInRandomOrderCoalescesIntoOneBlock() {
    long capacity = 64 * GIB;
    Allocator a = new Allocator(capacity);
    Random random = new Random(42);
    List<Long> blocks = new ArrayList<>();
    long offset;
    while ((offset = a.allocate(100 * KIB + random.nextLong(GIB))) >= 0) {
      blocks.add(offset);
    }
    assertThat(blocks).hasSizeGreaterThan(50);
    Collections.shuffle(blocks, random);
    for (long block : blocks) {
      a.free(block);
    }
    assertThat(a.freeBlockCount()).isOne();
    assertThat(a.largestFreeBlock()).isEqualTo(capacity);
    assertThat(a.used()).isZero();
    assertThat(a.allocatedCount()).isZero();
  }

  @Test
  void randomSequencesKeepInvariants() {
    for (long seed = 1; seed <= 20; seed++) {
      runRandomSequence(seed, 5_000);
    }
  }

  // Drives the allocator with a seeded mix of operations and compares it after every step with a
  // naive model: the allocated blocks as returned, from which the expected free blocks are the
  // gaps between them.
  private static void runRandomSequence(long seed, int operations) {
    long capacity = 64 * GIB;
    Allocator a = new Allocator(capacity);
    Random random = new Random(seed);
    TreeMap<Long, Long> live = new TreeMap<>();
    List<Long> liveOffsets = new ArrayList<>();
    List<Long> freed = new ArrayList<>();
    for (int op = 0; op < operations; op++) {
      String step = "seed " + seed + " op " + op;
      int kind = random.nextInt(100);
      if (kind < 55 || liveOffsets.isEmpty()) {
        long size = randomSize(random, a);
        long rounded = (size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        long expected = bestFit(live, capacity, rounded);
        long offset = a.allocate(size);
        assertThat(offset).as(step + " allocate " + size).isEqualTo(expected);
        if (offset >= 0) {
          assertThat(a.allocatedSize(offset)).as(step).isEqualTo(rounded);
          live.put(offset, rounded);
          liveOffsets.add(offset);
        }
      } else if (kind < 97 || freed.isEmpty()) {
        int index = random.nextInt(liveOffsets.size());
        long offset = liveOffsets.get(index);
        liveOffsets.set(index, liveOffsets.getLast());
        liveOffsets.removeLast();
        // Sizes are checked at allocation and here rather than for every block after every step.
        assertThat(a.allocatedSize(offset)).as(step).isEqualTo(live.remove(offset));
        a.free(offset);
        freed.add(offset);
      } else {
        long bad = freed.get(random.nextInt(freed.size()));
        if (live.containsKey(bad)) {
          bad += 1; // reused since, so aim inside the block instead
        }
        long used = a.used();
        int freeBlocks = a.freeBlockCount();
        long offset = bad;
        assertThatThrownBy(() -> a.free(offset)).as(step)
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(a.used()).as(step).isEqualTo(used);
        assertThat(a.freeBlockCount()).as(step).isEqualTo(freeBlocks);
      }
      checkInvariants(a, live, capacity, step);
    }
    Collections.shuffle(liveOffsets, random);
    for (long offset : liveOffsets) {
      assertThat(a.allocatedSize(offset)).isEqualTo(live.remove(offset));
      a.free(offset);
    }
    checkInvariants(a, live, capacity, "seed " + seed + " after freeing all");
    assertThat(a.freeBlockCount()).isOne();
    assertThat(a.used()).isZero();
  }

  // Mostly object-store sized requests, log-uniform so that small and huge ones both occur, plus
  // tiny and unaligned sizes and exact fits of a current hole, which must consume it whole.
  private static long randomSize(Random random, Allocator a) {
    int kind = random.nextInt(100);
    if (kind < 10) {
      return 1 + random.nextLong(100 * KIB);
    }
    if (kind < 20) {
      SortedMap<Long, Long> free = a.freeBlocks();
      if (!free.isEmpty()) {
        List<Long> sizes = new ArrayList<>(free.values());
        long hole = sizes.get(random.nextInt(sizes.size()));
        return hole - random.nextLong(ALIGNMENT);
      }
    }
    double min = Math.log(100 * KIB);
    double max = Math.log(4 * GIB);
    return (long) Math.exp(min + random.nextDouble() * (max - min));
  }

  // The model's answer: the smallest gap between live blocks that fits, lowest offset on ties.
  private static long bestFit(TreeMap<Long, Long> live, long capacity, long size) {
    long best = -1;
    long bestSize = Long.MAX_VALUE;
    long cursor = 0;
    for (Map.Entry<Long, Long> block : live.entrySet()) {
      long gap = block.getKey() - cursor;
      if (gap >= size && gap < bestSize) {
        best = cursor;
        bestSize = gap;
      }
      cursor = block.getKey() + block.getValue();
    }
    long tail = capacity - cursor;
    return tail >= size && tail < bestSize ? cursor : best;
  }

  // One merged walk over the model's live blocks and the allocator's free blocks, without
  // allocating, since it runs after each of the 100,000 random steps. The free blocks must be
  // exactly the gaps between live blocks; as those gaps are maximal, this also proves that free
  // blocks neither overlap live ones nor touch each other (fully coalesced).
  private static void checkInvariants(
      Allocator a, TreeMap<Long, Long> live, long capacity, String step) {
    Iterator<Map.Entry<Long, Long>> free = a.freeBlocks().entrySet().iterator();
    long cursor = 0;
    long used = 0;
    long freeSum = 0;
    long largest = 0;
    for (Map.Entry<Long, Long> block : live.entrySet()) {
      long offset = block.getKey();
      long size = block.getValue();
      if (offset < cursor) {
        fail(step + ": block at " + offset + " overlaps the one ending at " + cursor);
      }
      if (offset > cursor) {
        expectFreeBlock(free, cursor, offset - cursor, step);
        freeSum += offset - cursor;
        largest = Math.max(largest, offset - cursor);
      }
      if (offset % ALIGNMENT != 0 || size % ALIGNMENT != 0) {
        fail(step + ": unaligned block " + offset + "+" + size);
      }
      cursor = offset + size;
      used += size;
    }
    if (cursor > capacity) {
      fail(step + ": block ends at " + cursor + ", beyond capacity " + capacity);
    }
    if (cursor < capacity) {
      expectFreeBlock(free, cursor, capacity - cursor, step);
      freeSum += capacity - cursor;
      largest = Math.max(largest, capacity - cursor);
    }
    if (free.hasNext()) {
      fail(step + ": unexpected free block " + free.next());
    }
    assertThat(a.allocatedCount()).as(step).isEqualTo(live.size());
    assertThat(a.used()).as(step).isEqualTo(used);
    assertThat(a.used() + a.available()).as(step).isEqualTo(capacity);
    assertThat(a.available()).as(step).isEqualTo(freeSum);
    assertThat(a.largestFreeBlock()).as(step).isEqualTo(largest);
    assertThat(a.freeBlockCount()).as(step).isEqualTo(a.freeBlocks().size());
  }

  private static void expectFreeBlock(
      Iterator<Map.Entry<Long, Long>> free, long offset, long size, String step) {
    if (!free.hasNext()) {
      fail(step + ": missing free block " + offset + "+" + size);
    }
    Map.Entry<Long, Long> block = free.next();
    if (block.getKey() != offset || block.getValue() != size) {
      fail(step + ": expected free block " + offset + "+" + size + ", found " + block);
    }
  }
}
