package io.jray.raylet;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import io.jray.objectstore.ObjectOwner;
import io.jray.objectstore.ObjectStore;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees the copies in this node's store whose owner died (DESIGN §7, as Ray does): nobody can
 * read them any more (borrowers get {@code OwnerDiedException}) and nobody is left to free them.
 * An owner dies with its process (a worker-death publication from any node, or this raylet's own
 * notice) or with its node (a node's DEAD publication). Copies being read are freed when the last
 * reader releases them, copies being written when their writer seals them, spilled ones with their
 * file. Objects created for an owner already known dead are refused.
 *
 * <p>Threads: state of the {@code store-loop}, like the store it cleans.
 */
final class OrphanCollector {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanCollector.class);
  /** Enough to refuse late writes for recent deaths without growing with every worker ever. */
  private static final int REMEMBERED_WORKERS = 100_000;

  private final ObjectStore store;
  private final Set<WorkerId> deadWorkers = Collections.newSetFromMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<WorkerId, Boolean> eldest) {
      return size() > REMEMBERED_WORKERS;
    }
  });
  private final Set<NodeId> deadNodes = new HashSet<>();

  OrphanCollector(ObjectStore store) {
    this.store = store;
    store.refuseOwners(this::gone);
  }

  private boolean gone(ObjectOwner o) {
    return deadWorkers.contains(o.worker()) || (o.node() != null && deadNodes.contains(o.node()));
  }

  /** Worker or driver {@code worker} of {@code node} died; told once by its raylet and once by GCS. */
  void workerDied(WorkerId worker, NodeId node) {
    if (deadWorkers.add(worker)) {
      free(o -> o.worker().equals(worker), "its process died");
    }
  }

  void nodeDied(NodeId node) {
    if (deadNodes.add(node)) {
      free(o -> node.equals(o.node()), "its node died");
    }
  }

  private void free(Predicate<ObjectOwner> dead, String why) {
    for (Map.Entry<ObjectOwner, List<ObjectId>> e : store.ownedBy(dead).entrySet()) {
      int freed = 0;
      for (ObjectId id : e.getValue()) {
        if (store.delete(id)) {
          freed++;
        }
      }
      LOG.info("freed {} objects owned by {}: {}", freed, e.getKey(), why);
    }
  }
}
