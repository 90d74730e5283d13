package io.jray.runtime;

import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The borrowers of one owned object: the registrations that hold it now, and the ids of those
 * that ended. Remembering ended ids is what makes reports safe to repeat and to reorder: a
 * removal that overtakes its registration, or a registration delivered twice, cannot bring a
 * borrow back to life and keep the object forever. Not thread-safe: the owner guards it.
 */
final class Borrowers {
  private final Set<Borrow> live = new HashSet<>(4);
  private Set<Long> ended;

  /** Counts {@code b} unless it ended already; false if it does not count. */
  boolean add(Borrow b) {
    if (ended != null && ended.contains(b.id())) {
      return false;
    }
    live.add(b);
    return true;
  }

  /** Ends {@code b}, whether or not its registration has arrived. */
  void remove(Borrow b) {
    live.remove(b);
    end(b.id());
  }

  /** Ends every registration {@code gone} matches (its process or node died); returns how many. */
  int removeIf(Predicate<Borrow> gone) {
    int n = 0;
    for (var it = live.iterator(); it.hasNext(); ) {
      Borrow b = it.next();
      if (gone.test(b)) {
        it.remove();
        end(b.id());
        n++;
      }
    }
    return n;
  }

  private void end(long id) {
    if (ended == null) {
      ended = new HashSet<>(4);
    }
    ended.add(id);
  }

  boolean isEmpty() {
    return live.isEmpty();
  }

  int size() {
    return live.size();
  }

  static Predicate<Borrow> of(WorkerId worker) {
    return b -> b.worker().equals(worker);
  }

  static Predicate<Borrow> on(NodeId node) {
    return b -> b.node().equals(node);
  }
}
