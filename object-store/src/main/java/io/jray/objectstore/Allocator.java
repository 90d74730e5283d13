package io.jray.objectstore;

import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Free-space manager of the object store's shared-memory arena: hands out offsets into one big
 * memory-mapped file and takes them back in any order. It manages offsets only, never memory, so
 * the caller maps {@code [offset, offset + allocatedSize(offset))} itself.
 *
 * <p>Every block starts and ends on {@link #ALIGNMENT} bytes. Allocation is best fit: the
 * smallest free block that is large enough, the lowest offset among equal sizes, split so that the
 * front is used and the remainder stays free. Best fit with low offsets first keeps reusing tmpfs
 * pages that have already been touched and are resident, instead of spreading into fresh
 * {@code /dev/shm} pages whose first touch makes a put several times slower. Freed blocks are
 * coalesced with free neighbours on both sides, so the free list never holds two adjacent blocks.
 *
 * <p>Every operation is O(log n) in the number of blocks.
 *
 * <p>Not thread-safe by design: the allocator lives on the store's event loop, which serializes
 * all calls; adding locks here would only cost time on the put path.
 */
public final class Allocator {
  /** Granularity of block starts and sizes, one cache line. */
  public static final long ALIGNMENT = 64;

  private record Block(long offset, long size) {}

  // Size first so that ceiling() finds the best fit; offset second so that among equal sizes the
  // lowest offset wins and no two distinct blocks compare equal.
  private static final Comparator<Block> BY_SIZE_THEN_OFFSET =
      Comparator.comparingLong(Block::size).thenComparingLong(Block::offset);

  private final long capacity;
  // Both indexes always hold exactly the same free blocks: by offset for coalescing, by size for
  // best fit.
  private final TreeMap<Long, Long> freeByOffset = new TreeMap<>();
  private final TreeSet<Block> freeBySize = new TreeSet<>(BY_SIZE_THEN_OFFSET);
  private final Map<Long, Long> allocated = new HashMap<>();
  private long used;

  /**
   * Creates an allocator whose whole capacity is one free block.
   *
   * @param capacity arena size in bytes, rounded down to a multiple of {@link #ALIGNMENT}
   * @throws IllegalArgumentException if {@code capacity < ALIGNMENT}
   */
  public Allocator(long capacity) {
    if (capacity < ALIGNMENT) {
      throw new IllegalArgumentException(
          "capacity must be at least " + ALIGNMENT + " bytes, got " + capacity);
    }
    this.capacity = capacity - capacity % ALIGNMENT;
    addFree(0, this.capacity);
  }

  /**
   * Reserves a block of at least {@code size} bytes.
   *
   * @param size requested bytes, rounded up to a multiple of {@link #ALIGNMENT}
   * @return the offset of the block, or -1 when no free block is large enough; a full arena is a
   *     normal condition for the store (it evicts or spills), not an error
   * @throws IllegalArgumentException if {@code size <= 0}
   */
  public long allocate(long size) {
    if (size <= 0) {
      throw new IllegalArgumentException("size must be positive, got " + size);
    }
    // Checked before rounding so that sizes near Long.MAX_VALUE cannot overflow.
    if (size > capacity) {
      return -1;
    }
    long rounded = roundUp(size);
    Block fit = freeBySize.ceiling(new Block(0, rounded));
    if (fit == null) {
      return -1;
    }
    removeFree(fit);
    if (fit.size() > rounded) {
      addFree(fit.offset() + rounded, fit.size() - rounded);
    }
    allocated.put(fit.offset(), rounded);
    used += rounded;
    return fit.offset();
  }

  /**
   * Returns the block at {@code offset} to the free space, merging it with free neighbours.
   *
   * @throws IllegalArgumentException if {@code offset} is not the start of an allocated block,
   *     including a block that was already freed; the allocator is left unchanged
   */
  public void free(long offset) {
    Long size = allocated.remove(offset);
    if (size == null) {
      throw new IllegalArgumentException(describeBadOffset(offset));
    }
    used -= size;
    long start = offset;
    long end = offset + size;
    Map.Entry<Long, Long> before = freeByOffset.lowerEntry(offset);
    if (before != null && before.getKey() + before.getValue() == offset) {
      removeFree(new Block(before.getKey(), before.getValue()));
      start = before.getKey();
    }
    Long afterSize = freeByOffset.get(end);
    if (afterSize != null) {
      removeFree(new Block(end, afterSize));
      end += afterSize;
    }
    addFree(start, end - start);
  }

  /**
   * Size of the allocated block at {@code offset}, i.e. the requested size rounded up to {@link
   * #ALIGNMENT}.
   *
   * @throws IllegalArgumentException if {@code offset} is not the start of an allocated block
   */
  public long allocatedSize(long offset) {
    Long size = allocated.get(offset);
    if (size == null) {
      throw new IllegalArgumentException(describeBadOffset(offset));
    }
    return size;
  }

  public long capacity() {
    return capacity;
  }

  /** Bytes in allocated blocks, including the rounding up to {@link #ALIGNMENT}. */
  public long used() {
    return used;
  }

  /** Bytes in free blocks, possibly fragmented: see {@link #largestFreeBlock}. */
  public long available() {
    return capacity - used;
  }

  public int freeBlockCount() {
    return freeByOffset.size();
  }

  /** Size of the largest request that {@link #allocate} can currently satisfy, 0 when full. */
  public long largestFreeBlock() {
    return freeBySize.isEmpty() ? 0 : freeBySize.last().size();
  }

  public int allocatedCount() {
    return allocated.size();
  }

  /** Read-only view of the free blocks, offset to size, for invariant checks in tests. */
  SortedMap<Long, Long> freeBlocks() {
    return Collections.unmodifiableSortedMap(freeByOffset);
  }

  private void addFree(long offset, long size) {
    freeByOffset.put(offset, size);
    freeBySize.add(new Block(offset, size));
  }

  private void removeFree(Block block) {
    freeByOffset.remove(block.offset());
    freeBySize.remove(block);
  }

  private static long roundUp(long size) {
    return (size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  // A bad offset usually means a double free or a corrupted object table upstream, so the message
  // says which of the two it looks like.
  private String describeBadOffset(long offset) {
    if (offset < 0 || offset >= capacity) {
      return "offset " + offset + " is outside the arena [0, " + capacity + ")";
    }
    Map.Entry<Long, Long> free = freeByOffset.floorEntry(offset);
    if (free != null && offset < free.getKey() + free.getValue()) {
      return "offset " + offset + " is not allocated (free block at " + free.getKey()
          + ", double free?)";
    }
    return "offset " + offset + " is not the start of an allocated block";
  }
}
