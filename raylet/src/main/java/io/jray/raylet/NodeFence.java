package io.jray.raylet;

import io.jray.api.NodeId;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a node GCS declared DEAD while this raylet still ran (a partition longer than the
 * detection time that healed, or a pause as long): its tasks were retried and its objects remade
 * elsewhere, so nothing this node does may count any more (fencing, DESIGN §7). It learns from GCS,
 * either a refusal of one of its calls ({@code NodeDeclaredDead}) or the publication of its own
 * DEAD state, and exits with {@link #EXIT_CODE}; the shutdown hook stops its workers and removes
 * its arena. A node that should come back is started again: a new raylet is a new node.
 *
 * <p>Threads: any; the exit runs on a thread of its own ({@code raylet-fence}), because the
 * shutdown hook waits for {@code raylet-loop}, which may be the thread that found out.
 */
final class NodeFence {
  /** The raylet's exit code when GCS declared its node dead. */
  static final int EXIT_CODE = 3;
  private static final Logger LOG = LoggerFactory.getLogger(NodeFence.class);
  private final NodeId node;
  private final AtomicBoolean fenced = new AtomicBoolean();

  NodeFence(NodeId node) {
    this.node = node;
  }

  /** GCS declared this node dead ({@code how}: what said so): stop everything and exit, once. */
  void declaredDead(String how) {
    if (!fenced.compareAndSet(false, true)) {
      return;
    }
    LOG.error("node {} was declared dead by GCS ({}); its work was redone elsewhere: the raylet stops its workers"
        + " and exits with code {}", node, how, EXIT_CODE);
    Thread.ofPlatform().name("raylet-fence").start(() -> System.exit(EXIT_CODE));
  }

  /**
   * The raylet is stopping by itself: its own unregistration is published as a DEAD node too, and
   * that is no reason for an error and a second exit.
   */
  void stopping() {
    fenced.set(true);
  }
}
